#include "host/input/input_guard.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "host/input/code_points.hpp"
#include "host/input/input_injector.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::host {
namespace {

std::unexpected<Error> invalid(std::string detail) {
  return std::unexpected(make_error(ErrorCode::invalid_argument, std::move(detail)));
}

constexpr std::uint16_t kKnownStateBits = protocol::key_state::kCapsLock | protocol::key_state::kNumLock |
                                          protocol::key_state::kScrollLock | protocol::key_state::kShift |
                                          protocol::key_state::kControl | protocol::key_state::kAlt |
                                          protocol::key_state::kSuper | protocol::key_state::kAltGr;
constexpr std::uint32_t kMaxUsbUsage = 0xff;          // keyboard page usages are 8-bit
constexpr std::uint32_t kMaxKeysym = 0x1fffffff;      // X11 keysyms are 29-bit values
constexpr std::uint32_t kUnicodeKeysymBase = 0x1000000;

}  // namespace

std::expected<void, Error> validate_key(const protocol::KeyEvent& event) {
  if (event.usb_code == 0 && event.keysym == 0) return invalid("key event has neither usb code nor keysym");
  if (event.usb_code > kMaxUsbUsage) return invalid("usb code outside the keyboard usage page");
  if (event.keysym > kMaxKeysym) return invalid("keysym out of range");
  if (event.keysym >= kUnicodeKeysymBase && event.keysym <= kUnicodeKeysymBase + 0x10ffff) {
    const std::uint32_t cp = event.keysym - kUnicodeKeysymBase;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0xd800 && cp <= 0xdfff))
      return invalid("unicode keysym names a control character or surrogate");
  }
  if ((event.state & ~kKnownStateBits) != 0) return invalid("unknown key state bits");
  return {};
}

std::expected<void, Error> validate_text(std::string_view utf8) {
  if (utf8.empty()) return invalid("empty text input");
  if (utf8.size() > limits::kMaxTextInput)
    return invalid("text input of " + std::to_string(utf8.size()) + " bytes exceeds the limit of " +
                   std::to_string(limits::kMaxTextInput));
  const auto code_points = decode_utf8(utf8);
  if (!code_points) return invalid("text input is not valid UTF-8");
  for (const std::uint32_t cp : *code_points) {
    const bool allowed_control = cp == '\t' || cp == '\n' || cp == '\r';
    if ((cp < 0x20 && !allowed_control) || (cp >= 0x7f && cp < 0xa0))
      return invalid("text input contains control character U+" + std::to_string(cp));
  }
  return {};
}

std::expected<void, Error> validate_pointer(const protocol::PointerEvent& event, const InputGuardConfig& config) {
  if (event.x < 0 || event.y < 0 || event.x >= config.screen_width || event.y >= config.screen_height)
    return invalid("pointer position " + std::to_string(event.x) + "," + std::to_string(event.y) +
                   " is outside the " + std::to_string(config.screen_width) + "x" +
                   std::to_string(config.screen_height) + " screen");
  if ((event.buttons & ~kSupportedButtonMask) != 0) return invalid("unsupported pointer button bits");
  if (std::abs(event.wheel_x) > config.max_wheel_steps || std::abs(event.wheel_y) > config.max_wheel_steps)
    return invalid("too many wheel steps in one event");
  return {};
}

InputGuard::InputGuard(InputGuardConfig config, Clock::time_point now)
    : config_(config), tokens_(config.burst), last_refill_(now) {}

void InputGuard::set_screen_size(int width, int height) {
  config_.screen_width = width;
  config_.screen_height = height;
}

InputGuard::Counts InputGuard::take_counts() {
  const Counts taken = counts_;
  counts_ = {};
  return taken;
}

std::expected<void, Error> InputGuard::admit(std::expected<void, Error> valid, double cost, Clock::time_point now) {
  if (!valid) {
    ++counts_.rejected_invalid;
    return valid;
  }
  if (now > last_refill_) {
    const double seconds = std::chrono::duration<double>(now - last_refill_).count();
    tokens_ = std::min(config_.burst, tokens_ + seconds * config_.events_per_second);
    last_refill_ = now;
  }
  if (tokens_ < cost) {
    ++counts_.rejected_rate;
    return std::unexpected(make_error(ErrorCode::invalid_argument, "input rate limit exceeded"));
  }
  tokens_ -= cost;
  ++counts_.accepted;
  return {};
}

std::expected<void, Error> InputGuard::check_key(const protocol::KeyEvent& event, Clock::time_point now) {
  // Key-ups are free: dropping one would leave a key stuck down on the customer's machine.
  return admit(validate_key(event), event.down ? 1.0 : 0.0, now);
}

std::expected<void, Error> InputGuard::check_text(std::string_view utf8, Clock::time_point now) {
  return admit(validate_text(utf8), 1.0 + static_cast<double>(utf8.size() / 64), now);
}

std::expected<void, Error> InputGuard::check_pointer(const protocol::PointerEvent& event, Clock::time_point now) {
  return admit(validate_pointer(event, config_), 1.0, now);
}

}  // namespace elfdesk::host
