#include "protocol/message_rules.hpp"

#include <limits>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "protocol/limits.hpp"

namespace elfdesk::protocol {
namespace {

namespace L = elfdesk::limits;

Error error(ErrorCode code, std::string detail) { return make_error(code, std::move(detail)); }

using Check = std::optional<Error>;

template <class E> Check enum_in(E value, E first, E last, const char* field) {
  if (value >= first && value <= last) return std::nullopt;
  return error(ErrorCode::malformed,
               std::string(field) + " " + std::to_string(std::to_underlying(value)) + " is not a known value");
}
Check malformed_if(bool bad, std::string detail) {
  if (!bad) return std::nullopt;
  return error(ErrorCode::malformed, std::move(detail));
}
Check oversized_if(bool bad, std::string detail) {
  if (!bad) return std::nullopt;
  return error(ErrorCode::oversized, std::move(detail));
}

template <class T> Check check(const T&) { return std::nullopt; }
Check check(const Hello& m) { return enum_in(m.role, Role::host, Role::engineer, "role"); }
Check check(const ConsentResult& m) {
  if (auto e = enum_in(m.decision, ConsentDecision::allowed, ConsentDecision::timed_out, "decision")) return e;
  return malformed_if(m.decision != ConsentDecision::allowed && m.granted_permissions != 0,
                      "permissions granted although consent was not given");
}
Check check_screen_size(std::uint16_t width, std::uint16_t height) {
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  if (auto e = malformed_if(width == 0 || height == 0, "empty screen size " + size)) return e;
  return oversized_if(width > L::kMaxScreenDimension || height > L::kMaxScreenDimension,
                      "screen size " + size + " exceeds " + std::to_string(L::kMaxScreenDimension));
}
// Every rectangle non-empty and inside the screen.
Check check_rects(const std::vector<ScreenRect>& rects, std::uint16_t width, std::uint16_t height) {
  for (const ScreenRect& r : rects) {
    if (r.width == 0 || r.height == 0 || r.x + r.width > width || r.y + r.height > height)
      return error(ErrorCode::malformed, "rectangle " + std::to_string(r.width) + "x" + std::to_string(r.height) +
                                             "+" + std::to_string(r.x) + "+" + std::to_string(r.y) + " outside the " +
                                             std::to_string(width) + "x" + std::to_string(height) + " screen");
  }
  return std::nullopt;
}
// Source and destination of every copy inside the screen.
Check check_copies(const std::vector<ScreenCopy>& copies, std::uint16_t width, std::uint16_t height) {
  for (const ScreenCopy& c : copies) {
    const ScreenRect to{c.to_x, c.to_y, c.source.width, c.source.height};
    if (auto e = check_rects({c.source, to}, width, height)) return e;
  }
  return std::nullopt;
}
Check check(const VideoFrame& m) {
  if (auto e = check_screen_size(m.width, m.height)) return e;
  if (auto e = malformed_if(!m.keyframe && m.coded.empty(), "delta frame that names no coded area")) return e;
  if (auto e = check_rects(m.coded, m.width, m.height)) return e;
  return check_copies(m.copies, m.width, m.height);
}
// The region inside the screen, every coded area (at least one) inside the region, copies on the screen.
Check check(const RegionFrame& m) {
  if (auto e = check_screen_size(m.width, m.height)) return e;
  if (auto e = check_rects({m.region}, m.width, m.height)) return e;
  if (auto e = malformed_if(m.coded.empty(), "region frame that names no coded area")) return e;
  if (auto e = check_rects(m.coded, m.width, m.height)) return e;
  for (const ScreenRect& r : m.coded)
    if (auto e = malformed_if(r.x < m.region.x || r.y < m.region.y ||
                                  r.x + r.width > m.region.x + m.region.width ||
                                  r.y + r.height > m.region.y + m.region.height,
                              "region frame codes an area outside its region"))
      return e;
  return check_copies(m.copies, m.width, m.height);
}
// A known scale, and every coded area (at least one) and copy on the screen.
Check check(const ScaledFrame& m) {
  if (auto e = check_screen_size(m.width, m.height)) return e;
  if (auto e = malformed_if(m.scale < L::kMinFrameScale || m.scale > L::kMaxFrameScale,
                            "scaled frame of scale " + std::to_string(m.scale)))
    return e;
  if (auto e = malformed_if(m.coded.empty(), "scaled frame that names no coded area")) return e;
  if (auto e = check_rects(m.coded, m.width, m.height)) return e;
  return check_copies(m.copies, m.width, m.height);
}
// The pixels of PixelUpdate and PixelPatch: rectangles and copies on the screen, a known format, a total
// under the cap, and raw_size what the format needs for that many pixels.
Check check_pixels(const auto& m, PixelFormat last_format) {
  if (auto e = check_screen_size(m.width, m.height)) return e;
  if (auto e = malformed_if(m.rects.empty(), "pixel update without rectangles")) return e;
  if (auto e = check_rects(m.rects, m.width, m.height)) return e;
  if (auto e = check_copies(m.copies, m.width, m.height)) return e;
  if (auto e = enum_in(m.format, PixelFormat::bgra, last_format, "pixel format")) return e;
  std::uint64_t area = 0;
  for (const ScreenRect& r : m.rects) area += std::uint64_t{r.width} * r.height;
  const std::uint64_t bytes = area * 4;  // the cap is on the pixels, whatever their format
  if (auto e = oversized_if(bytes > L::kMaxPixelUpdateRaw, "pixel update of " + std::to_string(bytes) +
                                                               " bytes exceeds its limit")) {
    return e;
  }
  if (m.format == PixelFormat::bgra)
    return malformed_if(bytes != m.raw_size, "pixel update announces " + std::to_string(m.raw_size) +
                                                  " bytes for rectangles of " + std::to_string(bytes));
  if (m.format == PixelFormat::bits) {  // a count, 1..16 colours, 0-4 bits per pixel
    for (std::uint64_t n = 1; n <= 16; ++n) {
      const std::uint64_t bits = n == 1 ? 0 : n == 2 ? 1 : n <= 4 ? 2 : 4;
      if (m.raw_size == 1 + 4 * n + (area * bits + 7) / 8) return std::nullopt;
    }
    return error(ErrorCode::malformed, "bits pixel update announces " + std::to_string(m.raw_size) +
                                           " bytes, which fits no colour count for " + std::to_string(area) +
                                           " pixels");
  }
  // Palette: a count, 1..256 colours, an index per pixel.
  const std::uint64_t least = area + 2 + 4, most = area + 2 + 4 * 256;
  return malformed_if(m.raw_size < least || m.raw_size > most,
                      "palette pixel update announces " + std::to_string(m.raw_size) + " bytes for " +
                          std::to_string(area) + " pixels (allowed " + std::to_string(least) + ".." +
                          std::to_string(most) + ")");
}
Check check(const PixelUpdate& m) { return check_pixels(m, PixelFormat::palette); }
Check check(const PixelPatch& m) {
  if (auto e = check_pixels(m, PixelFormat::bits)) return e;
  return malformed_if(!m.compressed && m.data.size() != m.raw_size,
                      "uncompressed pixel patch of " + std::to_string(m.data.size()) + " bytes announces " +
                          std::to_string(m.raw_size));
}
Check check(const KeyframeRequest& m) {
  return enum_in(m.reason, KeyframeReason::new_viewer, KeyframeReason::user, "keyframe reason");
}
Check check(const CursorShape& m) {
  const std::string size = std::to_string(m.width) + "x" + std::to_string(m.height);
  if (m.width > L::kMaxCursorDimension || m.height > L::kMaxCursorDimension) {
    return error(ErrorCode::oversized, "cursor " + size + " exceeds " + std::to_string(L::kMaxCursorDimension));
  }
  if (auto e = malformed_if(m.rgba.size() != std::size_t{m.width} * m.height * 4,
                            "cursor " + size + " carries " + std::to_string(m.rgba.size()) + " RGBA bytes")) {
    return e;
  }
  // A 0x0 cursor (nothing to draw) must have its hot spot at 0,0; otherwise it lies inside the image.
  return malformed_if(m.hot_x >= std::max<std::uint16_t>(m.width, 1) || m.hot_y >= std::max<std::uint16_t>(m.height, 1),
                      "cursor hot spot outside the " + size + " image");
}
Check check(const ProbeResult& m) {
  if (auto e = enum_in(m.status, ProbeStatus::ok, ProbeStatus::error, "probe status")) return e;
  if (auto e = malformed_if(m.worst_severity > 3, "severity " + std::to_string(m.worst_severity) + " above 3")) {
    return e;
  }
  if (auto e = oversized_if(m.json_size > L::kMaxProbeResultBytes, "probe JSON of " + std::to_string(m.json_size) +
                                                                        " bytes exceeds its limit")) {
    return e;
  }
  return malformed_if(m.status == ProbeStatus::ok && !m.error.empty(), "error text on a successful probe");
}
Check check(const Clipboard& m) {
  return oversized_if(m.text_size > L::kMaxClipboardBytes,
                      "clipboard text of " + std::to_string(m.text_size) + " bytes exceeds its limit");
}
Check check(const BulkChunk& m) {
  if (auto e = malformed_if(m.stream_id == 0, "bulk stream id 0")) return e;
  if (auto e = malformed_if(m.data.empty(), "empty bulk chunk")) return e;
  return malformed_if(m.offset > std::numeric_limits<std::uint64_t>::max() - m.data.size(), "bulk chunk ends beyond 2^64");
}
Check check(const RemedyResult& m) {
  if (auto e = enum_in(m.outcome, RemedyOutcome::done, RemedyOutcome::rejected, "remedy outcome")) return e;
  if (auto e = oversized_if(m.json_size > L::kMaxRemedyResultBytes, "remedy JSON of " + std::to_string(m.json_size) +
                                                                        " bytes exceeds its limit")) {
    return e;
  }
  if (m.outcome == RemedyOutcome::rejected)
    return malformed_if(m.json_size != 0 || !m.json_zstd.empty(), "a rejected remedy with a report");
  return malformed_if(!m.error.empty(), "error text on a remedy that was not rejected");
}

Check check(const TransferControl& m) {
  if (auto e = malformed_if(m.transfer_id == 0, "transfer id 0")) return e;
  if (auto e = enum_in(m.op, TransferOp::offer, TransferOp::cancel, "transfer op")) return e;
  if (auto e = enum_in(m.kind, TransferKind::push, TransferKind::bundle, "transfer kind")) return e;
  const bool hashed = m.op == TransferOp::done;
  return malformed_if(m.sha256.size() != (hashed ? 32u : 0u),
                      hashed ? "transfer done without a SHA-256" : "SHA-256 on a transfer message other than done");
}
Check check(const Goodbye& m) {
  return enum_in(m.reason, GoodbyeReason::normal, GoodbyeReason::version_mismatch, "goodbye reason");
}
Check check(const PathReport& m) {
  return malformed_if(m.frames_in_flight > L::kMaxFramesInFlight,
                      std::to_string(m.frames_in_flight) + " frames in flight exceed " +
                          std::to_string(L::kMaxFramesInFlight));
}
Check check(const MonitorList& m) {
  if (auto e = malformed_if(m.selected < -1 || m.selected >= static_cast<int>(m.monitors.size()),
                            "selected monitor " + std::to_string(m.selected) + " is not in the list"))
    return e;
  for (const auto& monitor : m.monitors)
    if (auto e = malformed_if(monitor.width == 0 || monitor.height == 0, "a monitor of no size")) return e;
  return std::nullopt;
}
Check check(const MonitorSelect& m) {
  return malformed_if(m.index < -1 || m.index >= static_cast<int>(L::kMaxMonitors),
                      "monitor " + std::to_string(m.index) + " is out of range");
}

Check check(const SessionInfo& m) {
  const auto& key = m.host_key;
  if (auto e = malformed_if(key.size() < L::kMinHostKey, "host key of " + std::to_string(key.size()) + " characters"))
    return e;
  for (const char c : key)
    if (auto e = malformed_if(!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')), "host key is not lowercase hex"))
      return e;
  return std::nullopt;
}

Check check(const ResumeRequest& m) {
  if (auto e = malformed_if(m.ticket.size() != L::kResumeTicketSize, "resume ticket of the wrong size")) return e;
  return malformed_if(m.proof.size() != L::kResumeProofSize, "resume proof of the wrong size");
}

}  // namespace

std::optional<Error> broken_rule(const Message& message) {
  return std::visit([](const auto& m) { return check(m); }, message);
}

}  // namespace elfdesk::protocol
