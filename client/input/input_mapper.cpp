#include "client/input/input_mapper.hpp"

#include <SDL.h>

#include <algorithm>
#include <string_view>

#include "client/input/sdl_keysyms.hpp"
#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"

namespace elfdesk::client {
namespace {

constexpr int kMaxWheelSteps = 64;

// The only code point of `utf8`, or nullopt when it holds zero or several (input is valid UTF-8).
std::optional<std::uint32_t> single_code_point(std::string_view utf8) {
  if (utf8.empty()) return std::nullopt;
  const auto lead = static_cast<std::uint8_t>(utf8[0]);
  const std::size_t len = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
  if (len != utf8.size()) return std::nullopt;
  std::uint32_t cp = len == 1 ? lead : lead & (0x7fu >> len);
  for (std::size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<std::uint8_t>(utf8[i]) & 0x3fu);
  return cp;
}

bool is_printable_keycode(SDL_Keycode key) {
  return key >= 0x20 && key != 0x7f && (key & SDLK_SCANCODE_MASK) == 0;
}

}  // namespace

std::uint8_t pointer_bit_for_sdl_button(std::uint8_t sdl_button) {
  switch (sdl_button) {
    case SDL_BUTTON_LEFT: return 1u << 0;
    case SDL_BUTTON_MIDDLE: return 1u << 1;
    case SDL_BUTTON_RIGHT: return 1u << 2;
    case SDL_BUTTON_X1: return 1u << 5;
    case SDL_BUTTON_X2: return 1u << 6;
    default: return 0;
  }
}

InputMapper::InputMapper(Viewport viewport) : viewport_(viewport) {}

std::vector<protocol::Message> InputMapper::handle(const void* sdl_event) {
  const auto& e = *static_cast<const SDL_Event*>(sdl_event);
  std::vector<protocol::Message> out;
  if (e.type != SDL_TEXTINPUT) {
    if (pending_) settle_pending();
    swallow_text_ = false;
  }
  switch (e.type) {
    case SDL_KEYDOWN:
      on_key_down(e.key.keysym.scancode, e.key.keysym.sym, e.key.keysym.mod, e.key.repeat != 0, out);
      break;
    case SDL_KEYUP:
      on_key_up(e.key.keysym.scancode, e.key.keysym.mod, out);
      break;
    case SDL_TEXTINPUT:
      on_text(e.text.text, out);
      break;
    case SDL_MOUSEMOTION:
      on_motion(e.motion.x, e.motion.y, out);
      break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
      on_button(e.button.button, e.type == SDL_MOUSEBUTTONDOWN, e.button.x, e.button.y, out);
      break;
    case SDL_MOUSEWHEEL: {
      const int flip = e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -1 : 1;
      on_wheel(e.wheel.x * flip, e.wheel.y * flip, e.wheel.mouseX, e.wheel.mouseY, out);
      break;
    }
    case SDL_WINDOWEVENT:
      if (e.window.event == SDL_WINDOWEVENT_FOCUS_LOST) out = release_all();
      break;
    default:
      break;
  }
  return out;
}

void InputMapper::set_keyboard_grab(bool grabbed) {
  grabbed_ = grabbed;
  if (grab_handler_) grab_handler_(grabbed_);
}

std::vector<protocol::Message> InputMapper::flush() {
  settle_pending();
  return {};
}

// A printable key that produced no text by the time the next event arrived was a dead key (or went to an
// IME): the remote side must not see it, only the composed text that follows.
void InputMapper::settle_pending() {
  if (!pending_) return;
  silent_.insert(pending_->scancode);
  pending_.reset();
}

void InputMapper::on_key_down(int scancode, std::int32_t keycode, std::uint16_t mod, bool repeat,
                              std::vector<protocol::Message>& out) {
  const std::uint16_t state = key_state_from_sdl(mod);
  if (scancode == SDL_SCANCODE_G && (mod & KMOD_CTRL) != 0 && (mod & KMOD_ALT) != 0) {
    if (!repeat) {
      grabbed_ = !grabbed_;
      if (grab_handler_) grab_handler_(grabbed_);
    }
    silent_.insert(scancode);
    return;
  }
  if (silent_.count(scancode) != 0) return;  // auto-repeat of a key whose press was not sent
  if (const auto held = held_.find(scancode); held != held_.end()) {  // auto-repeat: same keysym again
    out.emplace_back(protocol::KeyEvent{held->second.usb_code, held->second.keysym, true, state});
    swallow_text_ = held->second.from_text;
    return;
  }
  const bool shortcut = (mod & (KMOD_CTRL | KMOD_LALT | KMOD_GUI)) != 0;
  if (text_input_active_ && !shortcut && is_printable_keycode(keycode)) {
    pending_ = PendingKey{scancode, state};
    return;
  }
  press(scancode, keysym_from_sdl(keycode, mod), state, false, out);
}

void InputMapper::press(int scancode, std::uint32_t keysym, std::uint16_t state, bool from_text,
                        std::vector<protocol::Message>& out) {
  const std::uint32_t usb = usb_from_sdl_scancode(scancode);
  if (usb == 0 && keysym == 0) return;  // nothing the host could press
  held_[scancode] = HeldKey{usb, keysym, from_text};
  out.emplace_back(protocol::KeyEvent{usb, keysym, true, state});
}

void InputMapper::on_key_up(int scancode, std::uint16_t mod, std::vector<protocol::Message>& out) {
  if (silent_.erase(scancode) != 0) return;
  const auto held = held_.find(scancode);
  if (held == held_.end()) return;  // its press was never sent
  out.emplace_back(protocol::KeyEvent{held->second.usb_code, held->second.keysym, false, key_state_from_sdl(mod)});
  held_.erase(held);
}

void InputMapper::on_text(const char* utf8, std::vector<protocol::Message>& out) {
  const std::string_view text(utf8);
  if (text.empty() || text.size() > limits::kMaxTextInput || !protocol::is_valid_utf8(text)) return;
  if (swallow_text_) {  // typed by the auto-repeated KeyEvent already
    swallow_text_ = false;
    return;
  }
  if (pending_) {
    const PendingKey key = *pending_;
    pending_.reset();
    const auto cp = single_code_point(text);
    const std::uint32_t keysym = cp ? keysym_from_code_point(*cp) : 0;
    if (keysym != 0) {
      press(key.scancode, keysym, key.state, true, out);
      return;
    }
    silent_.insert(key.scancode);  // several characters from one key (IME commit): text only
  }
  out.emplace_back(protocol::TextInput{std::string(text)});
}

void InputMapper::on_motion(int x, int y, std::vector<protocol::Message>& out) {
  // While a button is held the drag continues along the picture's edge; otherwise bars are dead space.
  const auto remote = buttons_ != 0 ? viewport_.to_remote_clamped(x, y) : viewport_.to_remote(x, y);
  if (!remote) return;
  last_x_ = remote->first;
  last_y_ = remote->second;
  out.emplace_back(protocol::PointerEvent{last_x_, last_y_, buttons_, 0, 0});
}

void InputMapper::on_button(std::uint8_t sdl_button, bool down, int x, int y, std::vector<protocol::Message>& out) {
  const std::uint8_t bit = pointer_bit_for_sdl_button(sdl_button);
  if (bit == 0) return;
  if (down) {
    const auto remote = viewport_.to_remote(x, y);
    if (!remote) return;  // a click in the letterbox bars is not a click on the remote screen
    buttons_ |= bit;
    last_x_ = remote->first;
    last_y_ = remote->second;
  } else {
    if ((buttons_ & bit) == 0) return;  // its press was not sent
    buttons_ = static_cast<std::uint8_t>(buttons_ & ~bit);
    if (const auto remote = viewport_.to_remote_clamped(x, y)) {
      last_x_ = remote->first;
      last_y_ = remote->second;
    }
  }
  out.emplace_back(protocol::PointerEvent{last_x_, last_y_, buttons_, 0, 0});
}

void InputMapper::on_wheel(int steps_x, int steps_y, int x, int y, std::vector<protocol::Message>& out) {
  if (steps_x == 0 && steps_y == 0) return;
  const auto remote = viewport_.to_remote(x, y);
  if (!remote) return;
  last_x_ = remote->first;
  last_y_ = remote->second;
  const auto clamp = [](int v) { return static_cast<std::int16_t>(std::clamp(v, -kMaxWheelSteps, kMaxWheelSteps)); };
  out.emplace_back(protocol::PointerEvent{last_x_, last_y_, buttons_, clamp(steps_x), clamp(steps_y)});
}

std::vector<protocol::Message> InputMapper::release_all() {
  std::vector<protocol::Message> out;
  for (const auto& [scancode, key] : held_) out.emplace_back(protocol::KeyEvent{key.usb_code, key.keysym, false, 0});
  held_.clear();
  silent_.clear();
  pending_.reset();
  if (buttons_ != 0) {
    buttons_ = 0;
    out.emplace_back(protocol::PointerEvent{last_x_, last_y_, 0, 0, 0});
  }
  return out;
}

}  // namespace elfdesk::client
