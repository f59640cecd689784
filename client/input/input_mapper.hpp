// InputMapper: turns the viewer's SDL input events into protocol messages (KeyEvent, TextInput,
// PointerEvent). Lives on the SDL main thread. Needs no window: the viewer applies the keyboard grab
// through a callback, so tests drive it with synthetic SDL_Events. SDL stays out of this header.
//
// Typing rule (no double typing): a printable key pressed without Ctrl/left Alt/GUI waits for the
// SDL_TEXTINPUT that follows it; a single resulting character becomes the KeyEvent's keysym (so Shift+2
// sends '@' on a US layout and AltGr+Q sends '@' on a German one), and the key-up repeats that keysym.
// Several characters (IME commit) go as one TextInput and the key itself is not sent. A waiting key that
// gets no text was a dead key or an IME key: it is not sent; the composed text arrives later as TextInput.
// TextInput without a waiting key (IME, compose, on-screen keyboards) is sent as is. Other keys
// (shortcuts, F-keys, arrows, modifiers) go immediately with a keysym from the key table.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "client/input/viewport.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

class InputMapper {
 public:
  explicit InputMapper(Viewport viewport = {});

  // The presenter's current mapping of window to remote pixels (after resize or scale change).
  void set_viewport(const Viewport& viewport) { viewport_ = viewport; }

  // `sdl_event` points to an SDL_Event. Returns the messages to send, in order (often none).
  std::vector<protocol::Message> handle(const void* sdl_event);

  // Call once the SDL queue is drained: a key still waiting for its text is settled (see above).
  std::vector<protocol::Message> flush();

  // Releases for every key and button this mapper sent down. Sent on focus loss; call at session end.
  std::vector<protocol::Message> release_all();

  // Ctrl+Alt+G toggles the keyboard grab (system shortcuts such as Alt+Tab then go to the remote side).
  // The combination itself is not sent. The handler gets the new state; the viewer calls
  // SDL_SetWindowKeyboardGrab. Losing focus does not change the wanted state.
  void set_grab_handler(std::function<void(bool grabbed)> handler) { grab_handler_ = std::move(handler); }
  bool keyboard_grabbed() const { return grabbed_; }
  void set_keyboard_grab(bool grabbed);  // as Ctrl+Alt+G would (the viewer's menu)

  // Whether SDL text input is on (SDL_StartTextInput). Without it, keys never wait for text and printable
  // keys send their layout's unshifted keysym (letters follow Shift/Caps).
  void set_text_input_active(bool active) { text_input_active_ = active; }

 private:
  struct PendingKey {
    int scancode = 0;
    std::uint16_t state = 0;
  };
  struct HeldKey {
    std::uint32_t usb_code = 0;
    std::uint32_t keysym = 0;
    bool from_text = false;  // keysym came from SDL_TEXTINPUT: its auto-repeats bring text again
  };
  void on_key_down(int scancode, std::int32_t keycode, std::uint16_t mod, bool repeat,
                   std::vector<protocol::Message>& out);
  void on_key_up(int scancode, std::uint16_t mod, std::vector<protocol::Message>& out);
  void on_text(const char* utf8, std::vector<protocol::Message>& out);
  void press(int scancode, std::uint32_t keysym, std::uint16_t state, bool from_text,
             std::vector<protocol::Message>& out);
  void settle_pending();
  void on_button(std::uint8_t sdl_button, bool down, int x, int y, std::vector<protocol::Message>& out);
  void on_motion(int x, int y, std::vector<protocol::Message>& out);
  void on_wheel(int steps_x, int steps_y, int x, int y, std::vector<protocol::Message>& out);

  Viewport viewport_;
  std::function<void(bool)> grab_handler_;
  bool grabbed_ = false;
  bool text_input_active_ = true;
  std::optional<PendingKey> pending_;
  bool swallow_text_ = false;    // the next SDL_TEXTINPUT belongs to an auto-repeat already sent
  std::map<int, HeldKey> held_;  // by SDL scancode: what the remote side has down
  std::set<int> silent_;         // keys whose down was not sent (grab combo, dead keys, IME): drop the up
  std::uint8_t buttons_ = 0;
  int last_x_ = 0, last_y_ = 0;  // last remote pointer position sent
};

// Bit in PointerEvent::buttons for an SDL mouse button (left, middle, right: bits 0-2; X1/X2 = back and
// forward: bits 5 and 6, X buttons 8 and 9 on the host); 0 for anything else.
std::uint8_t pointer_bit_for_sdl_button(std::uint8_t sdl_button);

}  // namespace elfdesk::client
