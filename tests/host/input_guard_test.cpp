// InputGuard: validation of every engineer input message and the token-bucket rate limit. Pure logic with
// an explicit clock.
#include <doctest/doctest.h>

#include <string>

#include "host/input/input_guard.hpp"
#include "protocol/limits.hpp"

using elfdesk::ErrorCode;
using elfdesk::host::InputGuard;
using elfdesk::host::InputGuardConfig;
using elfdesk::protocol::KeyEvent;
using elfdesk::protocol::PointerEvent;
using namespace std::chrono_literals;

namespace {
const InputGuard::Clock::time_point kStart{};
InputGuardConfig screen() { return InputGuardConfig{1280, 720}; }
}  // namespace

TEST_CASE("pointer events: positions inside the screen and known buttons only") {
  InputGuard guard(screen(), kStart);
  CHECK(guard.check_pointer(PointerEvent{0, 0, 0, 0, 0}, kStart));
  CHECK(guard.check_pointer(PointerEvent{1279, 719, 0x7f, 0, -3}, kStart));
  for (const PointerEvent& bad : {PointerEvent{1280, 0, 0, 0, 0}, PointerEvent{0, 720, 0, 0, 0},
                                  PointerEvent{-1, 5, 0, 0, 0}, PointerEvent{5, -1, 0, 0, 0},
                                  PointerEvent{5, 5, 0x80, 0, 0}, PointerEvent{5, 5, 0, 0, 1000},
                                  PointerEvent{5, 5, 0, -65, 0}}) {
    const auto result = guard.check_pointer(bad, kStart);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ErrorCode::invalid_argument);
    CHECK_FALSE(result.error().detail.empty());
  }
  const auto off = guard.check_pointer(PointerEvent{2000, 10, 0, 0, 0}, kStart);
  CHECK(off.error().detail.find("outside") != std::string::npos);
  guard.set_screen_size(3000, 2000);
  CHECK(guard.check_pointer(PointerEvent{2000, 10, 0, 0, 0}, kStart));
  CHECK(guard.counts() == InputGuard::Counts{3, 8, 0});
}

TEST_CASE("key events need a usb code or keysym in range") {
  InputGuard guard(screen(), kStart);
  CHECK(guard.check_key(KeyEvent{0x04, 'a', true, 0}, kStart));
  CHECK(guard.check_key(KeyEvent{0, 0x10020ac, true, elfdesk::protocol::key_state::kAltGr}, kStart));
  CHECK_FALSE(guard.check_key(KeyEvent{0, 0, true, 0}, kStart));
  CHECK_FALSE(guard.check_key(KeyEvent{0x1234, 0, true, 0}, kStart));
  CHECK_FALSE(guard.check_key(KeyEvent{0, 0x20000000, true, 0}, kStart));
  CHECK_FALSE(guard.check_key(KeyEvent{0, 0x1000000 + 0x07, true, 0}, kStart));  // Unicode BEL
  CHECK_FALSE(guard.check_key(KeyEvent{0x04, 'a', true, 0x8000}, kStart));       // unknown state bit
}

TEST_CASE("text input: valid UTF-8, printable, within the size limit") {
  InputGuard guard(screen(), kStart);
  CHECK(guard.check_text("Hello, World! äöü ß € ñ\n\t", kStart));
  CHECK(guard.check_text(std::string(elfdesk::limits::kMaxTextInput, 'a'), kStart));
  const auto big = guard.check_text(std::string(elfdesk::limits::kMaxTextInput + 1, 'a'), kStart);
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error().detail.find("exceeds") != std::string::npos);
  CHECK_FALSE(guard.check_text("", kStart));
  CHECK_FALSE(guard.check_text("bad \xc3\x28", kStart));       // broken sequence
  CHECK_FALSE(guard.check_text("\xc0\xaf", kStart));           // overlong '/'
  CHECK_FALSE(guard.check_text("\xed\xa0\x80", kStart));       // surrogate
  CHECK_FALSE(guard.check_text("esc \x1b[2J", kStart));        // control character
  CHECK_FALSE(guard.check_text("c1 \xc2\x9b", kStart));        // C1 control
}

TEST_CASE("rate limit: burst, refill, key-ups always pass, counts per period") {
  InputGuardConfig config = screen();
  config.events_per_second = 1000;
  config.burst = 200;
  InputGuard guard(config, kStart);
  const PointerEvent move{10, 10, 0, 0, 0};
  for (int i = 0; i < 200; ++i) REQUIRE(guard.check_pointer(move, kStart));
  const auto tripped = guard.check_pointer(move, kStart);
  REQUIRE_FALSE(tripped.has_value());
  CHECK(tripped.error().detail.find("rate") != std::string::npos);
  CHECK_FALSE(guard.check_key(KeyEvent{0x04, 'a', true, 0}, kStart));
  CHECK(guard.check_key(KeyEvent{0x04, 'a', false, 0}, kStart));  // releasing never gets stuck

  // 50 ms later 50 tokens are back, not more.
  const auto later = kStart + 50ms;
  int accepted = 0;
  while (guard.check_pointer(move, later)) ++accepted;
  CHECK(accepted == 50);

  // A big paste costs more than a keystroke.
  const auto much_later = kStart + 10s;
  const std::string paste(4096, 'x');
  int pastes = 0;
  while (guard.check_text(paste, much_later)) ++pastes;
  CHECK(pastes == 200 / 65);

  const auto counts = guard.take_counts();
  CHECK(counts.accepted == 200 + 1 + 50 + 3);
  CHECK(counts.rejected_rate == 4);
  CHECK(counts.rejected_invalid == 0);
  CHECK(guard.counts() == InputGuard::Counts{});
}
