// One message of every wire type with non-trivial values (multi-byte UTF-8, negative and extreme
// integers, non-empty blobs). Shared by the protocol tests and the fuzz seed-corpus generator.
// Header-only test data; builds fresh values on every call.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocol/limits.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::protocol::testing {

inline Bytes pattern_bytes(std::size_t size, std::uint8_t seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 31 + (i >> 8));
  return out;
}

// Index i holds the message with type id kMessageTypeIds[i].
inline std::vector<Message> sample_messages() {
  std::vector<Message> m;
  m.emplace_back(Hello{limits::kProtocolVersion, Role::host, capability::kVideoVp8 | capability::kProbes,
                       "Büro-PC «Zürich»", "elfdesk 0.1.0"});
  m.emplace_back(AuthShare{pattern_bytes(65, 0x04)});
  m.emplace_back(AuthConfirm{pattern_bytes(32, 0xA5)});
  m.emplace_back(AuthResult{false, "wrong or expired code"});
  m.emplace_back(ConsentRequest{"Ada Lovelace 🧮", permission::kView | permission::kControl});
  m.emplace_back(ConsentResult{ConsentDecision::allowed, permission::kView, "ok"});
  m.emplace_back(VideoFrame{0x0102030405060708ull, 0xFFFFFFFFFFFFFFF0ull, 1920, 1080, true, {1200, 9800, 42},
                            {{0, 0, 16, 32}, {1904, 1072, 16, 8}}, {{{0, 26, 1920, 1000}, 0, 0}},
                            pattern_bytes(3000, 0x9D)});
  m.emplace_back(FrameAck{0x0102030405060708ull, 2500, 4100});
  m.emplace_back(KeyframeRequest{KeyframeReason::resize});
  m.emplace_back(CursorShape{77, 3, 2, 2, 1, pattern_bytes(3 * 2 * 4, 0x10)});
  m.emplace_back(CursorPosition{-5, 2147483647, false});
  m.emplace_back(KeyEvent{0x04, 0x61, true, key_state::kShift | key_state::kNumLock});
  m.emplace_back(TextInput{"grüße, 日本語, 🙂"});
  m.emplace_back(PointerEvent{-2147483647 - 1, 1079, 0b101, -3, 32767});
  m.emplace_back(ProbeRequest{9, "disk.usage", {{"path", "/home"}, {"depth", "2"}, {"filter", "ünïcode"}}});
  m.emplace_back(ProbeResult{9, ProbeStatus::error, 2, 1234, pattern_bytes(100, 0x28), "permission denied"});
  m.emplace_back(Clipboard{5000, pattern_bytes(700, 0x55)});
  m.emplace_back(Chat{"Können Sie das Fenster öffnen? 👍"});
  m.emplace_back(Ping{0xDEADBEEFCAFEF00Dull, 123456789});
  m.emplace_back(Pong{0xDEADBEEFCAFEF00Dull, 123456789});
  m.emplace_back(Goodbye{GoodbyeReason::ended_by_customer, "Kunde hat beendet"});
  m.emplace_back(PixelUpdate{7, 99, 1280, 720, {300, 0, 12}, {{{0, 16, 1280, 700}, 0, 0}}, {{8, 16, 2, 3}, {1278, 719, 2, 1}},
                             PixelFormat::palette, 2 + 3 * 4 + 6 + 2, pattern_bytes(40, 0x3C)});
  m.emplace_back(BulkChunk{3, 0xFFFFFFFF00000000ull, pattern_bytes(1500, 0x61)});
  m.emplace_back(SessionInfo{"büro-pc", "anna", "0123456789abcdef0123456789abcdef"});
  m.emplace_back(RemedyRequest{11, "terminate_process", {{"pid", "4242"}, {"grace_ms", "500"}}, true});
  m.emplace_back(RemedyResult{11, RemedyOutcome::done, 321, pattern_bytes(90, 0x42), ""});
  m.emplace_back(TransferControl{7, TransferOp::done, TransferKind::pull, 52428800, "/home/kunde/Bericht ä.pdf",
                                 pattern_bytes(32, 0x11), ""});
  m.emplace_back(MonitorList{{{"HDMI-1", 0, 0, 1920, 1080, true}, {"DP-2 ä", 1920, -120, 2560, 1440, false}}, 1});
  m.emplace_back(MonitorSelect{-1});
  m.emplace_back(ResumeRequest{pattern_bytes(16, 0x11), pattern_bytes(32, 0x22)});
  m.emplace_back(ResumeResult{false, "the session has ended"});
  // Varints of every width: a 5-byte frame id, a 6-byte capture time, 1- and 2-byte fields.
  m.emplace_back(PixelPatch{0x123456789ull, 36'000'123'456ull, 1280, 720, {300, 0, 70000}, {{{0, 16, 1280, 700}, 0, 0}},
                            {{8, 16, 2, 3}, {1278, 719, 2, 1}}, PixelFormat::bits, false, 1 + 2 * 4 + 1,
                            pattern_bytes(10, 0x3C)});
  m.emplace_back(PathReport{60500, 2950, 2400, 18000, 0xFFFFFFFFu, 16});
  m.emplace_back(RegionFrame{0x0A0B0C0D0E0F1011ull, 36'000'200'000ull, 1920, 1080, true, {250, 4100, 7}, 3,
                             {608, 304, 656, 368}, {{608, 304, 640, 360}, {1248, 656, 16, 16}},
                             {{{0, 0, 320, 200}, 16, 0}}, pattern_bytes(300, 0x9D)});
  // Scale 3: a 640x360 picture of the 1920x1080 screen; coded areas in screen coordinates, one at the corner.
  m.emplace_back(ScaledFrame{0x1112131415161718ull, 36'000'300'000ull, 1920, 1080, false, {1800, 6200, 90},
                             0xFFFFFFFEu, 3, {{0, 48, 960, 528}, {1872, 1056, 48, 24}},
                             {{{0, 0, 640, 480}, 96, 48}}, pattern_bytes(500, 0xB7)});
  return m;
}

}  // namespace elfdesk::protocol::testing
