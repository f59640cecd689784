// Every message of the elfdesk wire protocol as a plain struct, and Message, the variant of them all.
// Pure values with no I/O; encoding lives in codec.hpp. Type ids are append-only (see docs/protocol.md).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace elfdesk::protocol {

using Bytes = std::vector<std::uint8_t>;

// Wire type ids. Append only: never renumber, never reuse.
enum class MessageType : std::uint16_t {
  hello = 1,
  auth_share = 2,
  auth_confirm = 3,
  auth_result = 4,
  consent_request = 5,
  consent_result = 6,
  video_frame = 7,
  frame_ack = 8,
  keyframe_request = 9,
  cursor_shape = 10,
  cursor_position = 11,
  key_event = 12,
  text_input = 13,
  pointer_event = 14,
  probe_request = 15,
  probe_result = 16,
  clipboard = 17,
  chat = 18,
  ping = 19,
  pong = 20,
  goodbye = 21,
  pixel_update = 22,
  bulk_chunk = 23,
  session_info = 24,  // host -> engineer after consent: machine, user, a stable opaque host key
  path_report = 25,  // host -> engineer: the host's estimate of the path (kPathReport)
  // 26 retired: the first PixelPatch form, every field absolute (capability bit 10, also retired).
  pixel_patch = 27,  // host -> viewer: PixelUpdate's content in a compact form (capability kPixelPatch)
  // 28-29 unused.
  region_frame = 30,  // host -> viewer: a VP8 frame of the region stream (capability kRegionStream)
  scaled_frame = 31,  // host -> viewer: a VP8 frame of the scaled motion stream (capability kScaledFrame)
  // 32-39 unused; 40-49 remedies (issue 14).
  remedy_request = 40,
  remedy_result = 41,
  transfer_control = 50,  // files and the support bundle; 51-59 reserved for them
  monitor_list = 60,       // host -> engineer: the host's monitors and which one is shown; 60-69 monitors
  monitor_select = 61,     // engineer -> host: show this monitor (or all of them) from now on
  resume_request = 70,     // engineer -> host: resume the dropped session (instead of AuthShare); 70-79 resume
  resume_result = 71,      // host -> engineer: resumed, or why not
};

enum class Role : std::uint8_t { host = 1, engineer = 2 };

// Capability bits, negotiated as the AND of both Hellos.
namespace capability {
inline constexpr std::uint32_t kVideoVp8 = 1u << 0;
inline constexpr std::uint32_t kInput = 1u << 1;
inline constexpr std::uint32_t kClipboard = 1u << 2;
inline constexpr std::uint32_t kProbes = 1u << 3;
inline constexpr std::uint32_t kCursor = 1u << 4;
inline constexpr std::uint32_t kChat = 1u << 5;
inline constexpr std::uint32_t kMonitors = 1u << 6;  // MonitorList / MonitorSelect: the monitor chosen at run time
inline constexpr std::uint32_t kResume = 1u << 7;    // a dropped session may resume (ResumeRequest / ResumeResult)
inline constexpr std::uint32_t kSessionInfo = 1u << 8;  // SessionInfo after consent (who and which machine)
inline constexpr std::uint32_t kPathReport = 1u << 9;  // PathReport: the host's path estimate, for the stats overlay
// Bit 10 is retired (the first PixelPatch form). Small exact-pixel updates go as PixelPatch, its fields
// relative to the previous picture update on the connection (protocol/codec.hpp, PictureBase).
inline constexpr std::uint32_t kPixelPatch = 1u << 12;
// A small moving area (a video, a window moved within an area) may go as RegionFrames of a second stream.
inline constexpr std::uint32_t kRegionStream = 1u << 11;
// A PixelPatch may name one of the recent small patches' data instead of carrying it (PictureBase).
inline constexpr std::uint32_t kPatchRecall = 1u << 13;
// Large motion that goes on (a window dragged and resized, a full-screen animation) may go as ScaledFrames:
// a stream coded at a fraction of the screen's resolution, sharpened by the main stream once still.
inline constexpr std::uint32_t kScaledFrame = 1u << 14;
inline constexpr std::uint32_t kAll = kVideoVp8 | kInput | kClipboard | kProbes | kCursor | kChat | kMonitors |
                                      kResume | kSessionInfo | kPathReport | kPixelPatch |
                                      kRegionStream | kPatchRecall | kScaledFrame;
}  // namespace capability

// Permission bits a customer grants.
namespace permission {
inline constexpr std::uint32_t kView = 1u << 0;
inline constexpr std::uint32_t kControl = 1u << 1;   // keyboard, mouse
inline constexpr std::uint32_t kClipboard = 1u << 2;
inline constexpr std::uint32_t kProbes = 1u << 3;
inline constexpr std::uint32_t kRemedies = 1u << 4;  // changes from a fixed catalogue; each one asked again
inline constexpr std::uint32_t kFiles = 1u << 5;     // send and receive files; each transfer is asked again
inline constexpr std::uint32_t kRecord = 1u << 6;    // the engineer records what they see (elfdesk view --record)
inline constexpr std::uint32_t kAll = kView | kControl | kClipboard | kProbes | kRemedies | kFiles | kRecord;
}  // namespace permission

struct Hello {
  std::uint16_t protocol_version = 0;
  Role role = Role::engineer;
  std::uint32_t capabilities = 0;
  std::string name;      // engineer's display name, or the host's machine name
  std::string software;  // e.g. "elfdesk 0.1.0"
  friend bool operator==(const Hello&, const Hello&) = default;
};

// SPAKE2 public share (pA from the engineer, pB from the host), an uncompressed P-256 point.
struct AuthShare {
  Bytes share;
  friend bool operator==(const AuthShare&, const AuthShare&) = default;
};

// Key confirmation MAC over the transcript and the TLS exporter value.
struct AuthConfirm {
  Bytes mac;
  friend bool operator==(const AuthConfirm&, const AuthConfirm&) = default;
};

struct AuthResult {
  bool ok = false;
  std::string reason;  // e.g. "wrong or expired code"
  friend bool operator==(const AuthResult&, const AuthResult&) = default;
};

// Engineer -> host after authentication: who is asking and for what.
struct ConsentRequest {
  std::string engineer_name;
  std::uint32_t requested_permissions = 0;
  friend bool operator==(const ConsentRequest&, const ConsentRequest&) = default;
};

enum class ConsentDecision : std::uint8_t { allowed = 1, denied = 2, timed_out = 3 };

struct ConsentResult {
  ConsentDecision decision = ConsentDecision::denied;
  std::uint32_t granted_permissions = 0;
  std::string reason;
  friend bool operator==(const ConsentResult&, const ConsentResult&) = default;
};

// Per-frame timings measured on the host, microseconds.
struct FrameTimings {
  std::uint32_t capture_us = 0;
  std::uint32_t encode_us = 0;
  // From the end of encoding until the connection's writer took the update off its queue to write it:
  // filled in by the host's Connection at that moment (docs/protocol.md), never by the encoder.
  std::uint32_t queue_us = 0;
  friend bool operator==(const FrameTimings&, const FrameTimings&) = default;
};

// An area of the screen in pixels.
struct ScreenRect {
  std::uint16_t x = 0, y = 0, width = 0, height = 0;
  friend bool operator==(const ScreenRect&, const ScreenRect&) = default;
};

// The pixels of `source` (screen coordinates) moved to the same size at (to_x, to_y).
struct ScreenCopy {
  ScreenRect source;
  std::uint16_t to_x = 0, to_y = 0;
  friend bool operator==(const ScreenCopy&, const ScreenCopy&) = default;
};

struct VideoFrame {
  std::uint64_t frame_id = 0;
  std::uint64_t capture_time_us = 0;  // host monotonic clock at capture
  std::uint16_t width = 0;            // screen geometry this frame encodes
  std::uint16_t height = 0;
  bool keyframe = false;
  FrameTimings timings;
  // The areas a delta frame changes (its VP8 active map); the viewer takes the decoded picture only there,
  // because the host may have sent other areas as exact pixels (PixelUpdate) that VP8 never saw. A
  // keyframe changes everything and leaves this empty; a delta frame must name at least one area.
  std::vector<ScreenRect> coded;
  // Moves of what the viewer already shows (a scroll), applied in order before the coded areas; the
  // coded areas then fill in only what the move did not bring along (the new lines).
  std::vector<ScreenCopy> copies;
  Bytes data;  // one VP8 frame
  friend bool operator==(const VideoFrame&, const VideoFrame&) = default;
};

// How PixelUpdate's decompressed data holds the pixels (all rectangles in order, rows top to bottom).
// bgra: 4 bytes per pixel. palette: u16 big-endian colour count n (1..256), n BGRA colours, then one
// index byte per pixel (terminal text has a handful of colours: a quarter of the bytes before zstd).
// bits (PixelPatch only): u8 colour count n (1..16), n BGRA colours, then each pixel's index in b bits (b = 1
// for 2 colours, 2 for up to 4, 4 for up to 16; 0 bits for one colour), most significant bits first, all
// pixels in one stream, the last byte padded with zero bits: a two-colour glyph cell in ~1/32 of its BGRA.
enum class PixelFormat : std::uint8_t { bgra = 1, palette = 2, bits = 3 };

// Host -> viewer: exact pixels for small changes (a typed character, a blinking cursor), where a VP8
// frame costs more bytes and blurs text. Shares frame ids and FrameAcks with VideoFrame and is applied in
// order with them. The pixels of all rectangles, one rectangle after the other, in `format`, zstd.
struct PixelUpdate {
  std::uint64_t frame_id = 0;
  std::uint64_t capture_time_us = 0;
  std::uint16_t width = 0;  // screen geometry the rectangles lie in
  std::uint16_t height = 0;
  FrameTimings timings;
  std::vector<ScreenCopy> copies;  // moves of what the viewer shows (a scroll), applied before the pixels
  std::vector<ScreenRect> rects;
  PixelFormat format = PixelFormat::bgra;
  std::uint32_t raw_size = 0;  // bytes after decompression: bgra 4 * area; palette area + 2 + 4 * colours
  Bytes bgra_zstd;             // the data in `format` (the name predates the palette)
  friend bool operator==(const PixelUpdate&, const PixelUpdate&) = default;
};

// Host -> viewer when both sides have capability::kPixelPatch: what a PixelUpdate says, for the small
// updates of typing and a blinking cursor, in ~16 bytes of fields instead of ~55, with the data stored
// raw when compressing would not make it smaller (a glyph in PixelFormat::bits is ~20 bytes; zstd's
// frame alone is ~10). Same frame ids, acks and order as PixelUpdate and VideoFrame. The struct holds
// absolute values; on the wire every integer is a varint, the frame id and capture time are differences
// from the previous picture update on the connection, and the screen geometry, copies, a rectangle
// count and raw_size appear only when they say something (codec.hpp, PictureBase; docs/protocol.md).
struct PixelPatch {
  std::uint64_t frame_id = 0;
  std::uint64_t capture_time_us = 0;
  std::uint16_t width = 0;
  std::uint16_t height = 0;
  FrameTimings timings;
  std::vector<ScreenCopy> copies;
  std::vector<ScreenRect> rects;
  PixelFormat format = PixelFormat::bits;
  bool compressed = false;     // data is zstd of raw_size bytes; otherwise the raw_size bytes themselves
  std::uint32_t raw_size = 0;  // the data in `format`, uncompressed
  Bytes data;
  friend bool operator==(const PixelPatch&, const PixelPatch&) = default;
};

// Host -> viewer when both sides have capability::kRegionStream: one VP8 frame of a second, smaller stream
// that shows only `region` of the screen, for damage that stays in a small area (a playing video, a window
// moved within an area), so the host does not code a full-screen frame for it. The stream's picture is
// region-sized; a new region (place or size) is a new `generation` and starts with a keyframe, which the
// viewer decodes with a fresh decoder. Like a VideoFrame delta, the viewer applies `copies`, then takes the
// decoded picture only inside `coded` (screen coordinates, inside the region; also for a keyframe, whose
// other pixels the viewer already has). Shares frame ids, acks and order with the other picture messages;
// the main stream's decoder is not involved.
struct RegionFrame {
  std::uint64_t frame_id = 0;
  std::uint64_t capture_time_us = 0;
  std::uint16_t width = 0;  // the screen
  std::uint16_t height = 0;
  bool keyframe = false;
  FrameTimings timings;
  std::uint32_t generation = 0;
  ScreenRect region;               // where the stream's picture lies on the screen
  std::vector<ScreenRect> coded;   // never empty
  std::vector<ScreenCopy> copies;
  Bytes data;  // one VP8 frame of region.width x region.height
  friend bool operator==(const RegionFrame&, const RegionFrame&) = default;
};

// Host -> viewer when both sides have capability::kScaledFrame: one VP8 frame of a third stream that shows
// the whole screen at 1/`scale` of its size in each direction (ceil(width / scale) x ceil(height / scale)),
// for large motion that goes on, where a full-resolution frame would cost the host a whole-screen encode
// for pictures that are replaced a frame later. The viewer scales the stream's picture up and, as for a
// RegionFrame, applies `copies`, then takes it only inside `coded` (screen coordinates). Its generations
// start with a keyframe like the region stream's, with their own decoder; the host sharpens what it
// coded once the motion stops, through the main stream.
struct ScaledFrame {
  std::uint64_t frame_id = 0;
  std::uint64_t capture_time_us = 0;
  std::uint16_t width = 0;  // the screen
  std::uint16_t height = 0;
  bool keyframe = false;
  FrameTimings timings;
  std::uint32_t generation = 0;
  std::uint8_t scale = 2;          // limits::kMinFrameScale..kMaxFrameScale
  std::vector<ScreenRect> coded;   // never empty
  std::vector<ScreenCopy> copies;
  Bytes data;  // one VP8 frame of the screen's size divided by scale, rounded up
  friend bool operator==(const ScaledFrame&, const ScaledFrame&) = default;
};

// Viewer -> host once a frame is decoded (flow control and latency).
// Sent once the picture is on the engineer's screen (not at decode), so flow control sees a stalled viewer.
struct FrameAck {
  std::uint64_t frame_id = 0;
  std::uint32_t decode_us = 0;   // receipt to decoded (or unpacked)
  std::uint32_t present_us = 0;  // decoded to shown on screen (0 where nothing is shown, e.g. screenshot)
  friend bool operator==(const FrameAck&, const FrameAck&) = default;
};

enum class KeyframeReason : std::uint8_t { new_viewer = 1, decode_error = 2, resize = 3, user = 4 };

struct KeyframeRequest {
  KeyframeReason reason = KeyframeReason::decode_error;
  friend bool operator==(const KeyframeRequest&, const KeyframeRequest&) = default;
};

struct CursorShape {
  std::uint32_t serial = 0;
  std::uint16_t width = 0;
  std::uint16_t height = 0;
  std::uint16_t hot_x = 0;
  std::uint16_t hot_y = 0;
  Bytes rgba;  // width * height * 4 bytes, non-premultiplied RGBA
  friend bool operator==(const CursorShape&, const CursorShape&) = default;
};

struct CursorPosition {
  std::int32_t x = 0;
  std::int32_t y = 0;
  bool visible = true;
  friend bool operator==(const CursorPosition&, const CursorPosition&) = default;
};

// Lock and modifier state bits carried with key events.
namespace key_state {
inline constexpr std::uint16_t kCapsLock = 1u << 0;
inline constexpr std::uint16_t kNumLock = 1u << 1;
inline constexpr std::uint16_t kScrollLock = 1u << 2;
inline constexpr std::uint16_t kShift = 1u << 8;
inline constexpr std::uint16_t kControl = 1u << 9;
inline constexpr std::uint16_t kAlt = 1u << 10;
inline constexpr std::uint16_t kSuper = 1u << 11;
inline constexpr std::uint16_t kAltGr = 1u << 12;
}  // namespace key_state

struct KeyEvent {
  std::uint32_t usb_code = 0;  // physical key: USB HID usage (page 7), 0 when unknown
  std::uint32_t keysym = 0;    // X11 keysym the engineer's layout produced, 0 when none
  bool down = false;
  std::uint16_t state = 0;     // key_state bits
  friend bool operator==(const KeyEvent&, const KeyEvent&) = default;
};

struct TextInput {
  std::string utf8;  // validated UTF-8, at most limits::kMaxTextInput bytes
  friend bool operator==(const TextInput&, const TextInput&) = default;
};

struct PointerEvent {
  std::int32_t x = 0;  // absolute remote screen coordinates
  std::int32_t y = 0;
  std::uint8_t buttons = 0;  // bit (n-1) set while button n (1..5 plus 8/9 as 6/7) is down
  std::int16_t wheel_x = 0;  // wheel steps since the last event, right positive
  std::int16_t wheel_y = 0;  // wheel steps since the last event, up positive
  friend bool operator==(const PointerEvent&, const PointerEvent&) = default;
};

struct ProbeArg {
  std::string key;
  std::string value;
  friend bool operator==(const ProbeArg&, const ProbeArg&) = default;
};

struct ProbeRequest {
  std::uint32_t request_id = 0;
  std::string name;
  std::vector<ProbeArg> args;
  friend bool operator==(const ProbeRequest&, const ProbeRequest&) = default;
};

enum class ProbeStatus : std::uint8_t { ok = 1, error = 2 };

struct ProbeResult {
  std::uint32_t request_id = 0;
  ProbeStatus status = ProbeStatus::ok;
  std::uint8_t worst_severity = 0;  // 0 ok, 1 warning, 2 critical, 3 unknown
  std::uint32_t json_size = 0;      // uncompressed size of the JSON document
  Bytes json_zstd;                  // zstd-compressed JSON result
  std::string error;                // set when status == error
  friend bool operator==(const ProbeResult&, const ProbeResult&) = default;
};

struct Clipboard {
  std::uint32_t text_size = 0;  // uncompressed UTF-8 size
  Bytes text_zstd;
  friend bool operator==(const Clipboard&, const Clipboard&) = default;
};

struct Chat {
  std::string text;
  friend bool operator==(const Chat&, const Chat&) = default;
};

struct Ping {
  std::uint64_t nonce = 0;
  std::uint64_t sent_us = 0;
  friend bool operator==(const Ping&, const Ping&) = default;
};

struct Pong {
  std::uint64_t nonce = 0;
  std::uint64_t sent_us = 0;  // echoed from the Ping
  friend bool operator==(const Pong&, const Pong&) = default;
};

// Host -> engineer about once a second while streaming, and at once on a big change: what the host's
// FrameScheduler believes about the path, for the viewer's stats. Informational only; the viewer acts on
// nothing in it. Sent only when both sides advertise capability::kPathReport.
struct PathReport {
  std::uint32_t min_rtt_us = 0;           // 0: no estimate yet
  std::uint32_t delivery_rate_kbps = 0;   // 0: no estimate yet
  std::uint32_t target_kbps = 0;          // the encoder's bitrate target
  std::uint32_t queue_delay_us = 0;       // smoothed RTT above min RTT: the standing queue
  std::uint32_t bytes_in_flight = 0;
  std::uint16_t frames_in_flight = 0;     // at most limits::kMaxFramesInFlight
  friend bool operator==(const PathReport&, const PathReport&) = default;
};

enum class GoodbyeReason : std::uint8_t {
  normal = 1,
  ended_by_customer = 2,
  ended_by_engineer = 3,
  auth_failed = 4,
  declined = 5,
  busy = 6,
  protocol_error = 7,
  timeout = 8,
  shutting_down = 9,
  version_mismatch = 10,
};

struct Goodbye {
  GoodbyeReason reason = GoodbyeReason::normal;
  std::string message;
  friend bool operator==(const Goodbye&, const Goodbye&) = default;
};

// One piece of a large transfer (a file, a diagnostics bundle): the transport of every future transfer.
// It travels on the connection's bulk lane, behind input and video, at most one chunk at a time, so a
// transfer never delays a key press by more than one chunk. The transfer's own messages (offer, accept,
// end) will say what stream_id names; receivers that know none skip it like any unknown stream.
struct BulkChunk {
  std::uint32_t stream_id = 0;  // non-zero; chosen by the sender, unique per connection and direction
  std::uint64_t offset = 0;     // where `data` starts in the stream
  Bytes data;                   // 1..limits::kMaxBulkChunk bytes
  friend bool operator==(const BulkChunk&, const BulkChunk&) = default;
};

// Engineer -> host: run one remedy of the fixed catalogue (common/remedies/) with these arguments. The
// host validates, asks the customer (unless a dry run), runs it on the probe pool and answers RemedyResult.
struct RemedyRequest {
  std::uint32_t request_id = 0;
  std::string name;
  std::vector<ProbeArg> args;  // same limits as a probe's arguments
  bool dry_run = false;        // say what would happen; change nothing, ask nobody
  friend bool operator==(const RemedyRequest&, const RemedyRequest&) = default;
};

enum class RemedyOutcome : std::uint8_t {
  done = 1,
  dry_run = 2,
  declined = 3,             // the customer said no, or did not answer
  failed = 4,
  not_available = 5,        // nothing on this computer to do it with (no systemd, no user manager)
  needs_administrator = 6,  // only an administrator can, and polkit cannot ask one here
  rejected = 7,             // unknown remedy, bad argument, not granted: `error` says why, no JSON
};

// Host -> engineer: what the remedy did, as a JSON report (common/remedies/remedy_wire.hpp), zstd.
struct RemedyResult {
  std::uint32_t request_id = 0;
  RemedyOutcome outcome = RemedyOutcome::done;
  std::uint32_t json_size = 0;  // uncompressed size of the JSON report (0 when rejected)
  Bytes json_zstd;
  std::string error;            // set when rejected
  friend bool operator==(const RemedyResult&, const RemedyResult&) = default;
};

// What a TransferControl message says about transfer `transfer_id` (docs/protocol.md, "Transfers").
enum class TransferOp : std::uint8_t {
  offer = 1,   // engineer -> host: push `name` of `size` bytes, pull the file at `name`, or a bundle
  accept = 2,  // host -> engineer: the customer allowed it; for pull and bundle `size` is what follows
  refuse = 3,  // host -> engineer: the customer declined or did not answer (`reason`); ends the transfer
  done = 4,    // sender -> receiver: every chunk is queued, `sha256` is of the whole stream;
               // receiver -> sender: received and verified (`sha256` echoed, `name` where it landed)
  cancel = 5,  // either way: cannot be done or stop now (`reason`: too large, unreadable, hash mismatch)
};
enum class TransferKind : std::uint8_t { push = 1, pull = 2, bundle = 3 };

// The control side of a transfer; its data travels as BulkChunks with stream_id == transfer_id, on the
// bulk lane, behind input and video. Control messages travel on the control lane.
struct TransferControl {
  std::uint32_t transfer_id = 0;  // non-zero, chosen by the engineer, unique per session
  TransferOp op = TransferOp::offer;
  TransferKind kind = TransferKind::push;
  std::uint64_t size = 0;
  std::string name;               // push: the file's name; pull: the path on the host; done: where it landed
  Bytes sha256;                   // 32 bytes on done, empty otherwise
  std::string reason;             // refuse, cancel
  friend bool operator==(const TransferControl&, const TransferControl&) = default;
};

// One monitor of the host's screen (RandR), in root-window pixels.
struct MonitorInfo {
  std::string name;  // RandR's name ("HDMI-1"), or "screen" where RandR names none
  std::int16_t x = 0, y = 0;
  std::uint16_t width = 0, height = 0;
  bool primary = false;
  friend bool operator==(const MonitorInfo&, const MonitorInfo&) = default;
};

// Host -> engineer once the session is up and whenever the list or the choice changes (a MonitorSelect
// answered, a monitor plugged in or out). `selected` is an index into `monitors`, or -1: all of them.
struct MonitorList {
  std::vector<MonitorInfo> monitors;  // at most limits::kMaxMonitors
  std::int16_t selected = -1;
  friend bool operator==(const MonitorList&, const MonitorList&) = default;
};

// Engineer -> host: show monitor `index` of the last MonitorList, or -1 for all. The host answers with a
// MonitorList (the new choice, or the old one if `index` is no longer there) and a picture at the new size.
struct MonitorSelect {
  std::int16_t index = -1;
  friend bool operator==(const MonitorSelect&, const MonitorSelect&) = default;
};

// Engineer -> host, right after the Hello exchange on a new connection, instead of AuthShare: resume the
// session that dropped. `ticket` names the resumable session, `proof` is HMAC(resume secret, this TLS
// connection's exporter), so it is worth nothing on any other connection (common/auth/resume_secret.hpp).
struct ResumeRequest {
  Bytes ticket;  // kResumeTicketSize bytes
  Bytes proof;   // kResumeProofSize bytes
  friend bool operator==(const ResumeRequest&, const ResumeRequest&) = default;
};

// Host -> engineer: the session goes on (ok), or why not ("the session has ended", "resume refused").
struct ResumeResult {
  bool ok = false;
  std::string reason;
  friend bool operator==(const ResumeResult&, const ResumeResult&) = default;
};

// Host -> engineer, once, right after the customer allowed the session (never before authentication and
// consent: the Hello names nothing). `host_key` is opaque and stable per machine (host/core/session_info.hpp):
// the viewer keys what it remembers about a host on it, whatever the route (direct, relay, --listen).
struct SessionInfo {
  std::string machine;   // the host's display name (hostname)
  std::string user;      // the customer's user name
  std::string host_key;  // lowercase hex, limits::kMinHostKey..kMaxHostKey characters
  friend bool operator==(const SessionInfo&, const SessionInfo&) = default;
};

using Message = std::variant<Hello, AuthShare, AuthConfirm, AuthResult, ConsentRequest, ConsentResult,
                             VideoFrame, FrameAck, KeyframeRequest, CursorShape, CursorPosition, KeyEvent,
                             TextInput, PointerEvent, ProbeRequest, ProbeResult, Clipboard, Chat, Ping,
                             Pong, Goodbye, PixelUpdate, BulkChunk, SessionInfo, RemedyRequest, RemedyResult,
                             TransferControl, MonitorList, MonitorSelect, ResumeRequest, ResumeResult, PixelPatch,
                             PathReport, RegionFrame, ScaledFrame>;

// The wire type id of each alternative of Message, in variant order. Ids have gaps (features own id
// ranges), so the variant index is not the id: append here when appending an alternative.
inline constexpr std::array<std::uint16_t, std::variant_size_v<Message>> kMessageTypeIds = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 40, 41, 50, 60, 61, 70, 71, 27, 25,
    30, 31};

// The wire type id of the variant's alternative.
MessageType type_of(const Message& message);
// "Hello", "VideoFrame", ...; "Unknown" for ids this version does not know.
const char* name_of(MessageType type);
// The variant index of a wire type id this version knows (-1 when unknown).
int message_index_of(std::uint16_t type);
inline bool is_known_type(std::uint16_t type) { return message_index_of(type) >= 0; }
inline constexpr std::uint16_t kFirstMessageType = 1;
inline constexpr std::uint16_t kLastMessageType = 71;  // the highest id known; ids below may be unused

}  // namespace elfdesk::protocol
