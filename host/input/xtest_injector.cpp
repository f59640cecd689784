// XTestInjector: InputInjector over XTest on a private X connection, with XKB-aware keysym typing.
// Project headers first: X.h defines macros (CursorShape, None, ...) that collide with protocol names.
#include "host/input/code_points.hpp"
#include "host/input/input_injector.hpp"
#include "host/input/spare_keycodes.hpp"
#include "host/input/usb_keycodes.hpp"
#include "host/input/x11_keymap.hpp"
#include "host/platform/x11_connection_loss.hpp"

#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>

#include <algorithm>
#include <thread>
#include <array>
#include <cstdlib>
#include <map>
#include <optional>

namespace elfdesk::host {
namespace {

struct DisplayCloser {
  void operator()(Display* display) const { XCloseDisplay(display); }
};
using DisplayPtr = std::unique_ptr<Display, DisplayCloser>;

// X button for each bit of PointerEvent::buttons (see kSupportedButtonMask).
constexpr std::array<unsigned, 7> kButtonOfBit = {1, 2, 3, 4, 5, 8, 9};
constexpr int kMaxWheelSteps = 64;

bool is_character(std::uint32_t keysym) {
  const std::uint32_t ucs = keysym_to_unicode(keysym);
  return ucs >= 0x20 && ucs != 0x7f;
}

class XTestInjector final : public InputInjector {
 public:
  XTestInjector(DisplayPtr display, Rect area, X11Keymap keymap, int xkb_event_base)
      : display_(std::move(display)), area_(area), keymap_(std::move(keymap)), xkb_event_base_(xkb_event_base),
        spares_(display_.get()) {
    survive_connection_loss(display_.get(), &connection_);  // the capturer reports the loss; input goes nowhere
    spares_.reconcile(keymap_);
  }
  ~XTestInjector() override {
    if (!connection_.lost) (void)release_all();
    if (!connection_.usable_here()) (void)display_.release();  // see X11ConnectionState
  }

  std::expected<void, Error> inject_key(const protocol::KeyEvent& event) override;
  std::expected<void, Error> inject_text(std::string_view utf8) override;
  std::expected<void, Error> inject_pointer(const protocol::PointerEvent& event) override;
  std::expected<void, Error> release_all() override;
  void set_screen_area(Rect area) override { area_ = area; }

 private:
  struct State {
    unsigned mods = 0;
    unsigned group = 0;
  };
  std::expected<State, Error> sync_state();
  std::expected<unsigned, Error> keycode_for(std::uint32_t keysym, const State& state, bool adjust, KeyPlan& plan);
  void premap_missing(const std::vector<std::uint32_t>& code_points);
  void type(const KeyPlan& plan, bool click);
  void fake_key(unsigned keycode, bool down) {
    XTestFakeKeyEvent(display_.get(), keycode, down ? True : False, CurrentTime);
  }
  void fake_button(unsigned button, bool down) {
    XTestFakeButtonEvent(display_.get(), button, down ? True : False, CurrentTime);
  }

  DisplayPtr display_;
  X11ConnectionState connection_;  // display_'s (x11_connection_loss)
  Rect area_;
  X11Keymap keymap_;
  int xkb_event_base_;
  SpareKeycodes spares_;
  std::map<std::uint64_t, unsigned> pressed_keys_;  // remote key identity -> keycode we pressed
  std::uint8_t buttons_ = 0;
};

// One round trip: the current modifier state, and (because the reply comes after every event the server
// sent before it) any keymap change notification, e.g. from setxkbmap, which triggers a reload.
std::expected<XTestInjector::State, Error> XTestInjector::sync_state() {
  XkbStateRec xkb_state{};
  if (XkbGetState(display_.get(), XkbUseCoreKbd, &xkb_state) != Success)
    return std::unexpected(make_error(ErrorCode::io, "XkbGetState failed"));
  bool changed = false;
  while (XPending(display_.get()) > 0) {
    XEvent event;
    XNextEvent(display_.get(), &event);
    changed = changed || event.type == xkb_event_base_ || event.type == MappingNotify;
  }
  if (changed) {
    auto reloaded = X11Keymap::load(display_.get());
    if (!reloaded) return std::unexpected(reloaded.error());
    keymap_ = std::move(*reloaded);
    spares_.reconcile(keymap_);
  }
  spares_.restore(false);
  return State{xkb_state.mods, xkb_state.group};
}

std::expected<unsigned, Error> XTestInjector::keycode_for(std::uint32_t keysym, const State& state, bool adjust,
                                                          KeyPlan& plan) {
  if (auto found = keymap_.plan(keysym, state.group, state.mods, adjust)) {
    plan = *found;
    return plan.keycode;
  }
  const unsigned spare = spares_.acquire(keysym);
  if (spare == 0)
    return std::unexpected(make_error(ErrorCode::unavailable, "no spare keycode to type a missing keysym"));
  plan = KeyPlan{spare, 0, 0};
  return spare;
}

// Presses plan.keycode (and releases it when `click`), with the plan's modifier changes wrapped around it.
void XTestInjector::type(const KeyPlan& plan, bool click) {
  std::vector<unsigned> added;
  std::vector<unsigned> removed;
  for (unsigned bit = 1; bit != 0 && bit <= plan.set_mods; bit <<= 1) {
    const unsigned kc = (plan.set_mods & bit) != 0 ? keymap_.modifier_key(bit) : 0;
    if (kc != 0 && std::find(added.begin(), added.end(), kc) == added.end()) added.push_back(kc);
  }
  if (plan.clear_mods != 0) {
    char down[32] = {};
    XQueryKeymap(display_.get(), down);
    for (unsigned kc = keymap_.min_keycode(); kc <= keymap_.max_keycode() && kc < 256; ++kc)
      if (((down[kc / 8] >> (kc % 8)) & 1) != 0 && (keymap_.modmap(kc) & plan.clear_mods) != 0) removed.push_back(kc);
  }
  for (const unsigned kc : removed) fake_key(kc, false);
  for (const unsigned kc : added) fake_key(kc, true);
  fake_key(plan.keycode, true);
  if (click) fake_key(plan.keycode, false);
  for (auto it = added.rbegin(); it != added.rend(); ++it) fake_key(*it, false);
  for (auto it = removed.rbegin(); it != removed.rend(); ++it) fake_key(*it, true);
}

std::expected<void, Error> XTestInjector::inject_key(const protocol::KeyEvent& event) {
  // Identity of the remote key: its physical code, or its keysym when the viewer did not know the code.
  const std::uint64_t id = event.usb_code != 0 ? event.usb_code : (std::uint64_t{1} << 32) | event.keysym;
  auto state = sync_state();
  if (!state) return std::unexpected(state.error());
  const auto held = pressed_keys_.find(id);
  if (!event.down) {
    if (held == pressed_keys_.end()) return {};  // never pressed by us: nothing to release
    fake_key(held->second, false);
    spares_.hold(held->second, -1);
    pressed_keys_.erase(held);
    XFlush(display_.get());
    return {};
  }
  if (held != pressed_keys_.end()) {  // auto-repeat: press the same keycode again
    fake_key(held->second, true);
    XFlush(display_.get());
    return {};
  }
  KeyPlan plan;
  if (event.keysym != 0) {
    const bool shortcut = (state->mods & keymap_.shortcut_mods()) != 0;
    auto kc = keycode_for(event.keysym, *state, is_character(event.keysym) && !shortcut, plan);
    if (!kc && event.usb_code == 0) return std::unexpected(kc.error());
    if (!kc) plan = KeyPlan{x_keycode_from_usb(event.usb_code), 0, 0};
  } else {
    plan = KeyPlan{x_keycode_from_usb(event.usb_code), 0, 0};
  }
  if (plan.keycode < keymap_.min_keycode() || plan.keycode > keymap_.max_keycode())
    return std::unexpected(make_error(ErrorCode::invalid_argument, "key has neither a known keysym nor a known usb code"));
  type(plan, false);
  pressed_keys_[id] = plan.keycode;
  spares_.hold(plan.keycode, +1);
  XFlush(display_.get());
  return {};
}

// Maps the text's missing keysyms (up to the spare slots) before its first key press. Xlib clients that
// receive a mapping change between two key presses were seen to miss the second remapped character;
// with every change delivered first, a client refreshes its map once, before it looks up any key.
void XTestInjector::premap_missing(const std::vector<std::uint32_t>& code_points) {
  auto state = sync_state();
  if (!state) return;
  std::vector<std::uint32_t> mapped;
  for (const std::uint32_t cp : code_points) {
    const std::uint32_t keysym = unicode_to_keysym(cp);
    if (keysym == 0 || keymap_.plan(keysym, state->group, state->mods, true) ||
        std::find(mapped.begin(), mapped.end(), keysym) != mapped.end())
      continue;
    if (mapped.size() >= SpareKeycodes::kMaxSlots || spares_.acquire(keysym) == 0) break;
    mapped.push_back(keysym);
  }
  if (mapped.empty()) return;
  XSync(display_.get(), False);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let clients take the new map first
}

std::expected<void, Error> XTestInjector::inject_text(std::string_view utf8) {
  const auto code_points = decode_utf8(utf8);
  if (!code_points) return std::unexpected(make_error(ErrorCode::invalid_argument, "text is not valid UTF-8"));
  premap_missing(*code_points);
  for (const std::uint32_t cp : *code_points) {
    const std::uint32_t keysym = unicode_to_keysym(cp);
    if (keysym == 0) return std::unexpected(make_error(ErrorCode::invalid_argument, "text contains a control character"));
    auto state = sync_state();
    if (!state) return std::unexpected(state.error());
    KeyPlan plan;
    if (auto kc = keycode_for(keysym, *state, true, plan); !kc) return std::unexpected(kc.error());
    type(plan, true);
    XFlush(display_.get());
  }
  return {};
}

std::expected<void, Error> XTestInjector::inject_pointer(const protocol::PointerEvent& event) {
  if ((event.buttons & ~kSupportedButtonMask) != 0)
    return std::unexpected(make_error(ErrorCode::invalid_argument, "unsupported pointer button"));
  spares_.restore(false);
  Display* dpy = display_.get();
  const int x = std::clamp(event.x, 0, std::max(0, area_.width - 1));
  const int y = std::clamp(event.y, 0, std::max(0, area_.height - 1));
  XTestFakeMotionEvent(dpy, DefaultScreen(dpy), area_.x + x, area_.y + y, CurrentTime);
  for (std::size_t bit = 0; bit < kButtonOfBit.size(); ++bit) {
    const auto mask = static_cast<std::uint8_t>(1u << bit);
    if (((event.buttons ^ buttons_) & mask) == 0) continue;
    fake_button(kButtonOfBit[bit], (event.buttons & mask) != 0);
  }
  buttons_ = event.buttons;
  auto clicks = [this](int steps, unsigned positive, unsigned negative) {
    const unsigned button = steps > 0 ? positive : negative;
    for (int i = 0; i < std::min(std::abs(steps), kMaxWheelSteps); ++i) {
      fake_button(button, true);
      fake_button(button, false);
    }
  };
  clicks(event.wheel_y, 4, 5);  // up positive
  clicks(event.wheel_x, 7, 6);  // right positive
  XFlush(dpy);
  return {};
}

std::expected<void, Error> XTestInjector::release_all() {
  for (const auto& [id, keycode] : pressed_keys_) {
    fake_key(keycode, false);
    spares_.hold(keycode, -1);
  }
  pressed_keys_.clear();
  for (std::size_t bit = 0; bit < kButtonOfBit.size(); ++bit)
    if ((buttons_ & (1u << bit)) != 0) fake_button(kButtonOfBit[bit], false);
  buttons_ = 0;
  spares_.restore(true);
  XSync(display_.get(), False);
  return {};
}

}  // namespace

std::expected<std::unique_ptr<InputInjector>, Error> make_xtest_injector(std::string display, Rect screen_area) {
  if (screen_area.empty()) return std::unexpected(make_error(ErrorCode::invalid_argument, "empty screen area"));
  DisplayPtr dpy(XOpenDisplay(display.empty() ? nullptr : display.c_str()));
  if (!dpy) return std::unexpected(make_error(ErrorCode::unavailable, "cannot open X display '" + display + "'"));
  survive_connection_loss(dpy.get(), nullptr);  // until the injector holds its own state
  int event_base = 0, error_base = 0, major = 0, minor = 0, opcode = 0;
  if (!XTestQueryExtension(dpy.get(), &event_base, &error_base, &major, &minor))
    return std::unexpected(make_error(ErrorCode::unavailable, "X server lacks the XTEST extension"));
  major = XkbMajorVersion;
  minor = XkbMinorVersion;
  if (!XkbQueryExtension(dpy.get(), &opcode, &event_base, &error_base, &major, &minor))
    return std::unexpected(make_error(ErrorCode::unavailable, "X server lacks the XKB extension"));
  // Keep injecting while another client grabs the server (e.g. a menu holding a grab).
  XTestGrabControl(dpy.get(), True);
  const unsigned long notify = XkbNewKeyboardNotifyMask | XkbMapNotifyMask;
  XkbSelectEvents(dpy.get(), XkbUseCoreKbd, notify, notify);
  auto keymap = X11Keymap::load(dpy.get());
  if (!keymap) return std::unexpected(keymap.error());
  return std::make_unique<XTestInjector>(std::move(dpy), screen_area, std::move(*keymap), event_base);
}

}  // namespace elfdesk::host
