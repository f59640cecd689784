#include "protocol/codec.hpp"

#include <algorithm>
#include <array>
#include <concepts>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "protocol/byte_reader.hpp"
#include "protocol/byte_writer.hpp"
#include "protocol/message_rules.hpp"
#include "protocol/utf8.hpp"

namespace elfdesk::protocol {

namespace {

namespace L = elfdesk::limits;

// Exact upper bounds of the payloads that get their own cap (fixed fields + largest variable part).
constexpr std::size_t kRectListMax = 2 + L::kMaxUpdateRects * 4 * 2;
constexpr std::size_t kCopyListMax = 2 + L::kMaxScreenCopies * 6 * 2;
constexpr std::size_t kVideoFrameMax = 8 + 8 + 2 + 2 + 1 + 3 * 4 + kRectListMax + kCopyListMax + 4 + L::kMaxVideoBytes;
constexpr std::size_t kPixelUpdateMax =
    8 + 8 + 2 + 2 + 3 * 4 + kCopyListMax + kRectListMax + 1 + 4 + 4 + L::kMaxPixelUpdateCompressed;
// PixelPatch: flags, then every integer a varint (at most 10 bytes for a u64, 3 for a u16, 5 for a u32).
constexpr std::size_t kRectListVarMax = 3 + L::kMaxUpdateRects * 4 * 3;
constexpr std::size_t kCopyListVarMax = 3 + L::kMaxScreenCopies * 6 * 3;
constexpr std::size_t kPixelPatchMax =
    1 + 10 + 10 + 3 + 3 + 3 * 5 + kCopyListVarMax + kRectListVarMax + 5 + 5 + L::kMaxPixelUpdateCompressed;
constexpr std::size_t kRegionFrameMax =
    8 + 8 + 2 + 2 + 1 + 3 * 4 + 4 + 4 * 2 + kRectListMax + kCopyListMax + 4 + L::kMaxVideoBytes;
constexpr std::size_t kScaledFrameMax =
    8 + 8 + 2 + 2 + 1 + 3 * 4 + 4 + 1 + kRectListMax + kCopyListMax + 4 + L::kMaxVideoBytes;
constexpr std::size_t kCursorShapeMax = 4 + 4 * 2 + 4 + L::kMaxCursorDimension * L::kMaxCursorDimension * 4;
constexpr std::size_t kProbeResultMax = 4 + 1 + 1 + 4 + 4 + L::kMaxProbeResultCompressed + 2 + L::kMaxProbeErrorText;
constexpr std::size_t kClipboardMax = 4 + 4 + L::kMaxClipboardCompressed;
constexpr std::size_t kProbeRequestMax =
    4 + 2 + L::kMaxShortString + 2 + L::kMaxProbeArgs * (2 + L::kMaxShortString + 2 + L::kMaxProbeArgValue);
static_assert(kVideoFrameMax <= L::kMaxFramePayload && kPixelUpdateMax <= L::kMaxFramePayload &&
              kPixelPatchMax <= L::kMaxFramePayload && kRegionFrameMax <= L::kMaxFramePayload &&
              kScaledFrameMax <= L::kMaxFramePayload &&
              kProbeResultMax <= L::kMaxFramePayload &&
              kClipboardMax <= L::kMaxFramePayload && kCursorShapeMax <= L::kMaxFramePayload);
static_assert(kProbeRequestMax <= L::kMaxControlPayload && L::kMaxChatText + 2 <= L::kMaxControlPayload &&
              L::kMaxTextInput + 2 <= L::kMaxControlPayload && L::kMaxAuthBlob + 4 <= L::kMaxControlPayload &&
              4 + 8 + 4 + L::kMaxBulkChunk <= L::kMaxControlPayload &&
              4 + 1 + 1 + 8 + 2 + L::kMaxTransferName + 4 + 32 + 2 + L::kMaxShortString <= L::kMaxControlPayload);
static_assert(kProbeRequestMax + 1 <= L::kMaxControlPayload &&  // RemedyRequest: a probe request and a flag
              4 + 1 + 4 + 4 + L::kMaxRemedyResultCompressed + 2 + L::kMaxProbeErrorText <= L::kMaxControlPayload);

Error error(ErrorCode code, std::string detail) { return make_error(code, std::move(detail)); }

// Writes one field list (fields() below); the first failure sticks and later fields are skipped.
class Encoder {
 public:
  Encoder(Bytes& out, const PictureBase& base) : writer_(out), base_(base) {}
  const PictureBase& base() const { return base_; }
  void u8(std::uint8_t v) { writer_.u8(v); }
  void u16(std::uint16_t v) { writer_.u16(v); }
  void u32(std::uint32_t v) { writer_.u32(v); }
  void u64(std::uint64_t v) { writer_.u64(v); }
  void i16(std::int16_t v) { writer_.i16(v); }
  void i32(std::int32_t v) { writer_.i32(v); }
  void boolean(bool v) { writer_.boolean(v); }
  template <class E> void enumeration(E v) { writer_.u8(std::to_underlying(v)); }
  void text(const std::string& s, std::size_t cap) {
    if (error_) return;
    if (!is_valid_utf8(s)) error_ = error(ErrorCode::malformed, "text is not valid UTF-8");
    else keep(writer_.string(s, cap));
  }
  void blob(const Bytes& b, std::size_t cap) {
    if (!error_) keep(writer_.blob(b, cap));
  }
  template <class T> void count(const std::vector<T>& items, std::size_t cap) {
    if (items.size() > cap) {
      error_ = error(ErrorCode::oversized, std::to_string(items.size()) + " items, limit " + std::to_string(cap));
    }
    writer_.u16(static_cast<std::uint16_t>(items.size()));
  }
  // Variable-length forms (PixelPatch): LEB128, 7 bits a byte, least significant group first.
  void varint(std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) writer_.u8(static_cast<std::uint8_t>(v | 0x80));
    writer_.u8(static_cast<std::uint8_t>(v));
  }
  template <class T> void var_count(const std::vector<T>& items, std::size_t cap) {
    if (items.size() > cap) {
      error_ = error(ErrorCode::oversized, std::to_string(items.size()) + " items, limit " + std::to_string(cap));
    }
    varint(items.size());
  }
  void var_blob(const Bytes& b, std::size_t cap) {
    if (error_) return;
    if (b.size() > cap) {
      error_ = error(ErrorCode::oversized, std::to_string(b.size()) + " bytes, limit " + std::to_string(cap));
      return;
    }
    varint(b.size());
    writer_.raw(b);
  }
  const std::optional<Error>& failure() const { return error_; }

 private:
  void keep(std::expected<void, Error> r) {
    if (!r) error_ = std::move(r.error());
  }
  ByteWriter writer_;
  const PictureBase& base_;
  std::optional<Error> error_;
};

// Reads the same field lists; after the first failure nothing more is read.
class Decoder {
 public:
  Decoder(std::span<const std::uint8_t> in, const PictureBase& base) : reader_(in), base_(base) {}
  const PictureBase& base() const { return base_; }
  void reject(ErrorCode code, std::string detail) {
    if (!error_) fail(code, std::move(detail));
  }
  void u8(std::uint8_t& v) { read([&] { return reader_.u8(); }, v); }
  void u16(std::uint16_t& v) { read([&] { return reader_.u16(); }, v); }
  void u32(std::uint32_t& v) { read([&] { return reader_.u32(); }, v); }
  void u64(std::uint64_t& v) { read([&] { return reader_.u64(); }, v); }
  void i16(std::int16_t& v) { read([&] { return reader_.i16(); }, v); }
  void i32(std::int32_t& v) { read([&] { return reader_.i32(); }, v); }
  void boolean(bool& v) { read([&] { return reader_.boolean(); }, v); }
  // Any byte fits an enum with a fixed underlying type; check() then rejects values out of range.
  template <class E> void enumeration(E& v) {
    std::underlying_type_t<E> raw{};
    read([&] { return reader_.u8(); }, raw);
    v = static_cast<E>(raw);
  }
  void text(std::string& s, std::size_t cap) {
    read([&] { return reader_.string(cap); }, s);
    if (!error_ && !is_valid_utf8(s)) error_ = error(ErrorCode::malformed, "text is not valid UTF-8");
  }
  void blob(Bytes& b, std::size_t cap) { read([&] { return reader_.blob(cap); }, b); }
  template <class T> void count(std::vector<T>& items, std::size_t cap) {
    std::uint16_t n = 0;
    read([&] { return reader_.u16(); }, n);
    if (error_) return;
    if (n > cap) error_ = error(ErrorCode::oversized, std::to_string(n) + " items, limit " + std::to_string(cap));
    else items.resize(n);
  }
  // LEB128 into `v`; refuses values beyond T and non-minimal forms (a trailing zero group), so that each
  // value has exactly one encoding (the fuzzer re-encodes and compares).
  template <class T> void varint(T& v) {
    if (error_) return;
    std::uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      std::uint8_t byte = 0;
      read([&] { return reader_.u8(); }, byte);
      if (error_) return;
      if (shift == 63 && byte > 1) return fail(ErrorCode::malformed, "varint beyond 64 bits");
      value |= std::uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) {
        if (byte == 0 && shift > 0) return fail(ErrorCode::malformed, "varint not in its shortest form");
        break;
      }
    }
    if (value > std::numeric_limits<T>::max()) return fail(ErrorCode::malformed, "varint beyond its field");
    v = static_cast<T>(value);
  }
  template <class T> void var_count(std::vector<T>& items, std::size_t cap) {
    std::size_t n = 0;
    varint(n);
    if (error_) return;
    if (n > cap) error_ = error(ErrorCode::oversized, std::to_string(n) + " items, limit " + std::to_string(cap));
    else items.resize(n);
  }
  void var_blob(Bytes& b, std::size_t cap) {
    std::size_t n = 0;
    varint(n);
    if (error_) return;
    if (n > cap) return fail(ErrorCode::oversized, std::to_string(n) + " bytes, limit " + std::to_string(cap));
    auto bytes = reader_.bytes(n);
    if (!bytes) error_ = std::move(bytes.error());
    else b.assign(bytes->begin(), bytes->end());
  }
  void finish() {
    if (!error_) {
      if (auto end = reader_.expect_end(); !end) error_ = std::move(end.error());
    }
  }
  const std::optional<Error>& failure() const { return error_; }

 private:
  template <class F, class T> void read(F&& field, T& out) {
    if (error_) return;
    auto value = field();
    if (value) out = std::move(*value);
    else error_ = std::move(value.error());
  }
  void fail(ErrorCode code, std::string detail) { error_ = error(code, std::move(detail)); }
  ByteReader reader_;
  const PictureBase& base_;
  std::optional<Error> error_;
};

// ---- Field lists: one per message, shared by encoding and decoding (M may be const). ----
template <class M, class T>
concept Is = std::same_as<std::remove_const_t<M>, T>;

void fields(auto& io, Is<Hello> auto& m) {
  io.u16(m.protocol_version);
  io.enumeration(m.role);
  io.u32(m.capabilities);
  io.text(m.name, L::kMaxShortString);
  io.text(m.software, L::kMaxShortString);
}
void fields(auto& io, Is<AuthShare> auto& m) { io.blob(m.share, L::kMaxAuthBlob); }
void fields(auto& io, Is<AuthConfirm> auto& m) { io.blob(m.mac, L::kMaxAuthBlob); }
void fields(auto& io, Is<AuthResult> auto& m) {
  io.boolean(m.ok);
  io.text(m.reason, L::kMaxShortString);
}
void fields(auto& io, Is<ConsentRequest> auto& m) {
  io.text(m.engineer_name, L::kMaxShortString);
  io.u32(m.requested_permissions);
}
void fields(auto& io, Is<ConsentResult> auto& m) {
  io.enumeration(m.decision);
  io.u32(m.granted_permissions);
  io.text(m.reason, L::kMaxShortString);
}
// How a field list writes its integers: at their fixed width (u16, u32, u64) or as LEB128 varints
// (PixelPatch). The shared pieces below (rectangle, copy, timings) take the form as a parameter.
enum class Ints { fixed, varint };
template <Ints F> void integer(auto& io, auto& v) {
  if constexpr (F == Ints::varint) io.varint(v);
  else if constexpr (sizeof(v) == 2) io.u16(v);
  else if constexpr (sizeof(v) == 4) io.u32(v);
  else io.u64(v);
}
template <Ints F = Ints::fixed> void rect(auto& io, auto& r) {
  integer<F>(io, r.x);
  integer<F>(io, r.y);
  integer<F>(io, r.width);
  integer<F>(io, r.height);
}
template <Ints F = Ints::fixed> void copy(auto& io, auto& c) {
  rect<F>(io, c.source);
  integer<F>(io, c.to_x);
  integer<F>(io, c.to_y);
}
template <Ints F = Ints::fixed> void timings(auto& io, auto& t) {
  integer<F>(io, t.capture_us);
  integer<F>(io, t.encode_us);
  integer<F>(io, t.queue_us);
}
void rect_list(auto& io, auto& rects) {
  io.count(rects, L::kMaxUpdateRects);
  for (auto& r : rects) rect(io, r);
}
void copy_list(auto& io, auto& copies) {
  io.count(copies, L::kMaxScreenCopies);
  for (auto& c : copies) copy(io, c);
}
// What every picture update starts with: id, capture time, screen geometry.
void update_head(auto& io, auto& m) {
  io.u64(m.frame_id);
  io.u64(m.capture_time_us);
  io.u16(m.width);
  io.u16(m.height);
}
void fields(auto& io, Is<VideoFrame> auto& m) {
  update_head(io, m);
  io.boolean(m.keyframe);
  timings(io, m.timings);
  rect_list(io, m.coded);
  copy_list(io, m.copies);
  io.blob(m.data, L::kMaxVideoBytes);
}
void fields(auto& io, Is<RegionFrame> auto& m) {
  update_head(io, m);
  io.boolean(m.keyframe);
  timings(io, m.timings);
  io.u32(m.generation);
  rect(io, m.region);
  rect_list(io, m.coded);
  copy_list(io, m.copies);
  io.blob(m.data, L::kMaxVideoBytes);
}
void fields(auto& io, Is<ScaledFrame> auto& m) {
  update_head(io, m);
  io.boolean(m.keyframe);
  timings(io, m.timings);
  io.u32(m.generation);
  io.u8(m.scale);
  rect_list(io, m.coded);
  copy_list(io, m.copies);
  io.blob(m.data, L::kMaxVideoBytes);
}
void fields(auto& io, Is<PixelUpdate> auto& m) {
  update_head(io, m);
  timings(io, m.timings);
  copy_list(io, m.copies);
  rect_list(io, m.rects);
  io.enumeration(m.format);
  io.u32(m.raw_size);
  io.blob(m.bgra_zstd, L::kMaxPixelUpdateCompressed);
}
// PixelPatch (docs/protocol.md): a flags byte, then varints; what the flags leave out is the base's (the
// geometry), implied (one rectangle, raw_size = the data's size) or empty (copies). Frame id and capture
// time are differences from the base's, wrapping, so every value has one encoding and none is refused.
namespace patch_flag {
constexpr std::uint8_t kFormat = 0x03;        // PixelFormat, 1..3
constexpr std::uint8_t kCompressed = 0x04;    // data is zstd; raw_size follows
constexpr std::uint8_t kGeometry = 0x08;      // width and height follow (they differ from the base's)
constexpr std::uint8_t kCopies = 0x10;        // a copy count (>= 1) and the copies follow
constexpr std::uint8_t kSeveralRects = 0x20;  // a rectangle count (>= 2) follows; otherwise exactly one
constexpr std::uint8_t kRecalled = 0x40;      // a slot number instead of the data; format and kCompressed 0
constexpr std::uint8_t kAll = 0x7f;
}  // namespace patch_flag

// Whether `rects` have exactly these widths and heights, in order (recalled data fits only those).
bool same_sizes(const std::vector<ScreenRect>& rects, const std::vector<std::pair<std::uint16_t, std::uint16_t>>& sizes) {
  return rects.size() == sizes.size() &&
         std::equal(rects.begin(), rects.end(), sizes.begin(),
                    [](const ScreenRect& r, const auto& size) { return r.width == size.first && r.height == size.second; });
}

std::uint64_t zigzag(std::uint64_t difference) {
  const auto d = static_cast<std::int64_t>(difference);
  return (static_cast<std::uint64_t>(d) << 1) ^ static_cast<std::uint64_t>(d >> 63);
}
std::uint64_t unzigzag(std::uint64_t z) { return (z >> 1) ^ (~(z & 1) + 1); }

void fields(Encoder& io, const PixelPatch& m) {
  namespace F = patch_flag;
  const PictureBase& base = io.base();
  const bool geometry = m.width != base.width || m.height != base.height;
  const std::optional<std::size_t> slot = base.recall ? base.find(m) : std::nullopt;
  const auto data_flags = slot ? F::kRecalled
                               : static_cast<std::uint8_t>((std::to_underlying(m.format) & F::kFormat) |
                                                           (m.compressed ? F::kCompressed : 0));
  const auto flags = static_cast<std::uint8_t>(data_flags | (geometry ? F::kGeometry : 0) |
                                               (m.copies.empty() ? 0 : F::kCopies) |
                                               (m.rects.size() > 1 ? F::kSeveralRects : 0));
  io.u8(flags);
  io.varint(m.frame_id - base.frame_id);
  io.varint(zigzag(m.capture_time_us - base.capture_time_us));
  if (geometry) {
    io.varint(m.width);
    io.varint(m.height);
  }
  timings<Ints::varint>(io, m.timings);
  if (!m.copies.empty()) {
    io.var_count(m.copies, L::kMaxScreenCopies);
    for (const auto& c : m.copies) copy<Ints::varint>(io, c);
  }
  if (m.rects.size() > 1) io.var_count(m.rects, L::kMaxUpdateRects);
  for (const auto& r : m.rects) rect<Ints::varint>(io, r);
  if (slot) return io.varint(static_cast<std::uint32_t>(*slot));
  if (m.compressed) io.varint(m.raw_size);
  io.var_blob(m.data, L::kMaxPixelUpdateCompressed);
}

void fields(Decoder& io, PixelPatch& m) {
  namespace F = patch_flag;
  const PictureBase& base = io.base();
  std::uint8_t flags = 0;
  io.u8(flags);
  if (io.failure()) return;
  if ((flags & ~F::kAll) != 0) return io.reject(ErrorCode::malformed, "pixel patch flags beyond 0x7f");
  const bool recalled = (flags & F::kRecalled) != 0;
  if (recalled && (flags & (F::kFormat | F::kCompressed)) != 0)
    return io.reject(ErrorCode::malformed, "recalled pixel patch with its own format");
  m.format = static_cast<PixelFormat>(flags & F::kFormat);
  m.compressed = (flags & F::kCompressed) != 0;
  std::uint64_t frame_step = 0, time_step = 0;
  io.varint(frame_step);
  io.varint(time_step);
  m.frame_id = base.frame_id + frame_step;
  m.capture_time_us = base.capture_time_us + unzigzag(time_step);
  m.width = base.width;
  m.height = base.height;
  if ((flags & F::kGeometry) != 0) {
    io.varint(m.width);
    io.varint(m.height);
    if (!io.failure() && m.width == base.width && m.height == base.height)
      return io.reject(ErrorCode::malformed, "pixel patch repeats the previous picture's geometry");
  }
  timings<Ints::varint>(io, m.timings);
  if ((flags & F::kCopies) != 0) {
    io.var_count(m.copies, L::kMaxScreenCopies);
    if (!io.failure() && m.copies.empty()) return io.reject(ErrorCode::malformed, "pixel patch with a copy count of 0");
    for (auto& c : m.copies) copy<Ints::varint>(io, c);
  }
  if ((flags & F::kSeveralRects) != 0) {
    io.var_count(m.rects, L::kMaxUpdateRects);
    if (!io.failure() && m.rects.size() < 2)
      return io.reject(ErrorCode::malformed, "pixel patch with a rectangle count below 2");
  } else {
    m.rects.resize(1);
  }
  for (auto& r : m.rects) rect<Ints::varint>(io, r);
  if (recalled) {
    std::uint32_t slot = 0;
    io.varint(slot);
    if (io.failure()) return;
    if (slot >= base.slots.size()) return io.reject(ErrorCode::malformed, "pixel patch recalls an empty slot");
    const RecalledData& kept = base.slots[slot];
    if (!same_sizes(m.rects, kept.sizes))
      return io.reject(ErrorCode::malformed, "pixel patch recalls data of other rectangle sizes");
    m.format = kept.format;
    m.compressed = kept.compressed;
    m.raw_size = kept.raw_size;
    m.data = kept.data;
    return;
  }
  if (m.compressed) io.varint(m.raw_size);
  io.var_blob(m.data, L::kMaxPixelUpdateCompressed);
  if (!m.compressed) m.raw_size = static_cast<std::uint32_t>(m.data.size());
}
void fields(auto& io, Is<FrameAck> auto& m) {
  io.u64(m.frame_id);
  io.u32(m.decode_us);
  io.u32(m.present_us);
}
void fields(auto& io, Is<KeyframeRequest> auto& m) { io.enumeration(m.reason); }
void fields(auto& io, Is<CursorShape> auto& m) {
  io.u32(m.serial);
  io.u16(m.width);
  io.u16(m.height);
  io.u16(m.hot_x);
  io.u16(m.hot_y);
  io.blob(m.rgba, L::kMaxCursorDimension * L::kMaxCursorDimension * 4);
}
void fields(auto& io, Is<CursorPosition> auto& m) {
  io.i32(m.x);
  io.i32(m.y);
  io.boolean(m.visible);
}
void fields(auto& io, Is<KeyEvent> auto& m) {
  io.u32(m.usb_code);
  io.u32(m.keysym);
  io.boolean(m.down);
  io.u16(m.state);
}
void fields(auto& io, Is<TextInput> auto& m) { io.text(m.utf8, L::kMaxTextInput); }
void fields(auto& io, Is<PointerEvent> auto& m) {
  io.i32(m.x);
  io.i32(m.y);
  io.u8(m.buttons);
  io.i16(m.wheel_x);
  io.i16(m.wheel_y);
}
void fields(auto& io, Is<ProbeRequest> auto& m) {
  io.u32(m.request_id);
  io.text(m.name, L::kMaxShortString);
  io.count(m.args, L::kMaxProbeArgs);
  for (auto& arg : m.args) {
    io.text(arg.key, L::kMaxShortString);
    io.text(arg.value, L::kMaxProbeArgValue);
  }
}
void fields(auto& io, Is<ProbeResult> auto& m) {
  io.u32(m.request_id);
  io.enumeration(m.status);
  io.u8(m.worst_severity);
  io.u32(m.json_size);
  io.blob(m.json_zstd, L::kMaxProbeResultCompressed);
  io.text(m.error, L::kMaxProbeErrorText);
}
void fields(auto& io, Is<Clipboard> auto& m) {
  io.u32(m.text_size);
  io.blob(m.text_zstd, L::kMaxClipboardCompressed);
}
void fields(auto& io, Is<Chat> auto& m) { io.text(m.text, L::kMaxChatText); }
void fields(auto& io, Is<Ping> auto& m) {
  io.u64(m.nonce);
  io.u64(m.sent_us);
}
void fields(auto& io, Is<Pong> auto& m) {
  io.u64(m.nonce);
  io.u64(m.sent_us);
}
void fields(auto& io, Is<PathReport> auto& m) {
  io.u32(m.min_rtt_us);
  io.u32(m.delivery_rate_kbps);
  io.u32(m.target_kbps);
  io.u32(m.queue_delay_us);
  io.u32(m.bytes_in_flight);
  io.u16(m.frames_in_flight);
}
void fields(auto& io, Is<Goodbye> auto& m) {
  io.enumeration(m.reason);
  io.text(m.message, L::kMaxShortString);
}
void fields(auto& io, Is<TransferControl> auto& m) {
  io.u32(m.transfer_id);
  io.enumeration(m.op);
  io.enumeration(m.kind);
  io.u64(m.size);
  io.text(m.name, L::kMaxTransferName);
  io.blob(m.sha256, 32);
  io.text(m.reason, L::kMaxShortString);
}
void fields(auto& io, Is<BulkChunk> auto& m) {
  io.u32(m.stream_id);
  io.u64(m.offset);
  io.blob(m.data, L::kMaxBulkChunk);
}
void fields(auto& io, Is<SessionInfo> auto& m) {
  io.text(m.machine, L::kMaxSessionName);
  io.text(m.user, L::kMaxSessionName);
  io.text(m.host_key, L::kMaxHostKey);
}
void fields(auto& io, Is<RemedyRequest> auto& m) {
  io.u32(m.request_id);
  io.text(m.name, L::kMaxShortString);
  io.count(m.args, L::kMaxProbeArgs);
  for (auto& arg : m.args) {
    io.text(arg.key, L::kMaxShortString);
    io.text(arg.value, L::kMaxProbeArgValue);
  }
  io.boolean(m.dry_run);
}
void fields(auto& io, Is<RemedyResult> auto& m) {
  io.u32(m.request_id);
  io.enumeration(m.outcome);
  io.u32(m.json_size);
  io.blob(m.json_zstd, L::kMaxRemedyResultCompressed);
  io.text(m.error, L::kMaxProbeErrorText);
}

void fields(auto& io, Is<MonitorList> auto& m) {
  io.count(m.monitors, L::kMaxMonitors);
  for (auto& monitor : m.monitors) {
    io.text(monitor.name, L::kMaxShortString);
    io.i16(monitor.x);
    io.i16(monitor.y);
    io.u16(monitor.width);
    io.u16(monitor.height);
    io.boolean(monitor.primary);
  }
  io.i16(m.selected);
}
void fields(auto& io, Is<MonitorSelect> auto& m) { io.i16(m.index); }
void fields(auto& io, Is<ResumeRequest> auto& m) {
  io.blob(m.ticket, L::kMaxAuthBlob);
  io.blob(m.proof, L::kMaxAuthBlob);
}
void fields(auto& io, Is<ResumeResult> auto& m) {
  io.boolean(m.ok);
  io.text(m.reason, L::kMaxShortString);
}

Error in_message(MessageType type, Error e) {
  e.detail = std::string(name_of(type)) + ": " + e.detail;
  return e;
}

// Appends the payload of message to out.
std::expected<void, Error> encode_into(Bytes& out, const Message& message, const PictureBase& base) {
  if (auto e = broken_rule(message)) return std::unexpected(in_message(type_of(message), std::move(*e)));
  return std::visit(
      [&](const auto& m) -> std::expected<void, Error> {
        Encoder encoder(out, base);
        fields(encoder, m);
        if (encoder.failure()) return std::unexpected(in_message(type_of(message), *encoder.failure()));
        return {};
      },
      message);
}

template <std::size_t I>
std::expected<Message, Error> decode_as(std::span<const std::uint8_t> payload, const PictureBase& base) {
  using T = std::variant_alternative_t<I, Message>;
  constexpr auto kType = static_cast<MessageType>(kMessageTypeIds[I]);
  T m{};
  Decoder decoder(payload, base);
  fields(decoder, m);
  decoder.finish();
  if (decoder.failure()) return std::unexpected(in_message(kType, *decoder.failure()));
  Message message(std::in_place_index<I>, std::move(m));
  if (auto e = broken_rule(message)) return std::unexpected(in_message(kType, std::move(*e)));
  return message;
}

using DecodeFn = std::expected<Message, Error> (*)(std::span<const std::uint8_t>, const PictureBase&);
template <std::size_t... I> constexpr std::array<DecodeFn, sizeof...(I)> decoder_table(std::index_sequence<I...>) {
  return {&decode_as<I>...};
}
constexpr auto kDecoders = decoder_table(std::make_index_sequence<std::variant_size_v<Message>>{});

}  // namespace

std::size_t max_payload_for(std::uint16_t type) {
  switch (static_cast<MessageType>(type)) {
    case MessageType::video_frame: return kVideoFrameMax;
    case MessageType::pixel_update: return kPixelUpdateMax;
    case MessageType::pixel_patch: return kPixelPatchMax;
    case MessageType::region_frame: return kRegionFrameMax;
    case MessageType::scaled_frame: return kScaledFrameMax;
    case MessageType::cursor_shape: return kCursorShapeMax;
    case MessageType::probe_result: return kProbeResultMax;
    case MessageType::clipboard: return kClipboardMax;
    default: return L::kMaxControlPayload;
  }
}

namespace {

RecalledData recalled_data(const PixelPatch& patch) {
  RecalledData kept{{}, patch.format, patch.compressed, patch.raw_size, patch.data};
  for (const ScreenRect& r : patch.rects) kept.sizes.emplace_back(r.width, r.height);
  return kept;
}

bool same_data(const RecalledData& kept, const PixelPatch& patch) {
  return kept.format == patch.format && kept.compressed == patch.compressed && kept.raw_size == patch.raw_size &&
         kept.data == patch.data && same_sizes(patch.rects, kept.sizes);
}

}  // namespace

std::optional<std::size_t> PictureBase::find(const PixelPatch& patch) const {
  if (patch.data.size() > kRecallMaxData) return std::nullopt;
  for (std::size_t i = 0; i < slots.size(); ++i)
    if (same_data(slots[i], patch)) return i;
  return std::nullopt;
}

void PictureBase::note(const Message& message) {
  std::visit(
      [this](const auto& m) {
        if constexpr (requires { m.frame_id; m.capture_time_us; m.width; m.height; }) {
          frame_id = m.frame_id;
          capture_time_us = m.capture_time_us;
          width = m.width;
          height = m.height;
        }
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, PixelPatch>) {
          if (m.data.size() > kRecallMaxData || find(m)) return;
          if (slots.size() < kRecallSlots) slots.push_back(recalled_data(m));
          else slots[next_slot] = recalled_data(m);
          next_slot = (next_slot + 1) % kRecallSlots;
        }
      },
      message);
}

std::expected<std::vector<std::uint8_t>, Error> encode_payload(const Message& message, const PictureBase& base) {
  Bytes out;
  if (auto r = encode_into(out, message, base); !r) return std::unexpected(std::move(r.error()));
  return out;
}

std::expected<std::vector<std::uint8_t>, Error> encode_frame(const Message& message, const PictureBase& base) {
  // Encode straight behind a placeholder header, then patch the length: no second copy of a video frame.
  Bytes out(limits::kFrameHeaderSize, 0);
  if (auto r = encode_into(out, message, base); !r) return std::unexpected(std::move(r.error()));
  const auto type = static_cast<std::uint16_t>(type_of(message));
  const std::size_t length = out.size() - limits::kFrameHeaderSize;
  if (length > max_payload_for(type)) {
    return std::unexpected(error(ErrorCode::internal, "encoded payload exceeds its per-type cap"));
  }
  Bytes header;
  ByteWriter writer(header);
  writer.u16(type);
  writer.u16(0);  // flags, reserved
  writer.u32(static_cast<std::uint32_t>(length));
  std::copy(header.begin(), header.end(), out.begin());
  return out;
}

std::expected<Message, Error> decode_payload(std::uint16_t type, std::span<const std::uint8_t> payload,
                                             const PictureBase& base) {
  const int index = message_index_of(type);
  if (index < 0) {
    return std::unexpected(error(ErrorCode::unknown_type, "message type " + std::to_string(type) +
                                                              " is unknown to protocol version " +
                                                              std::to_string(L::kProtocolVersion)));
  }
  if (payload.size() > max_payload_for(type)) {
    return std::unexpected(error(ErrorCode::oversized, std::string(name_of(static_cast<MessageType>(type))) +
                                                           ": payload of " + std::to_string(payload.size()) +
                                                           " bytes exceeds its limit"));
  }
  return kDecoders[static_cast<std::size_t>(index)](payload, base);
}

}  // namespace elfdesk::protocol
