// Every limit of the wire protocol in one place. Receivers enforce these before allocating;
// senders never produce anything larger. Pure constants, any thread.
#pragma once
#include <cstddef>
#include <cstdint>

namespace elfdesk::limits {

inline constexpr std::uint16_t kProtocolVersion = 3;      // major; peers must match (2: PixelUpdate, 3: FrameAck.present_us)
inline constexpr std::size_t kFrameHeaderSize = 8;        // type(2) flags(1) reserved(1) length(4)
inline constexpr std::size_t kMaxFramePayload = 8u << 20; // 8 MiB: a 4K VP8 keyframe fits
inline constexpr std::size_t kMaxControlPayload = 256u << 10;  // non-video, non-probe messages
inline constexpr std::size_t kMaxShortString = 256;       // names, reasons, probe names, keys
inline constexpr std::size_t kMaxTextInput = 4096;        // one TextInput message, UTF-8 bytes
inline constexpr std::size_t kMaxChatText = 4096;
inline constexpr std::size_t kMaxClipboardBytes = 1u << 20;        // uncompressed clipboard text
inline constexpr std::size_t kMaxClipboardCompressed = 1u << 20;   // compressed clipboard on the wire
inline constexpr std::size_t kMaxProbeArgs = 32;
inline constexpr std::size_t kMaxProbeArgValue = 1024;
inline constexpr std::size_t kMaxProbeResultBytes = 4u << 20;      // uncompressed JSON result
inline constexpr std::size_t kMaxProbeResultCompressed = 4u << 20;
inline constexpr std::size_t kMaxProbeErrorText = 1024;            // ProbeResult.error, UTF-8 bytes
inline constexpr std::size_t kMaxVideoBytes = kMaxFramePayload - 4096;  // room for the header fields
// A ScaledFrame's picture is the screen divided by its scale in each direction (kScaledFrame).
inline constexpr std::uint8_t kMinFrameScale = 2;
inline constexpr std::uint8_t kMaxFrameScale = 4;
inline constexpr std::uint16_t kMaxScreenDimension = 16384;
inline constexpr std::size_t kMaxCursorDimension = 256;             // cursor images up to 256x256 RGBA
inline constexpr std::size_t kMaxAuthBlob = 512;                    // SPAKE2 shares and MACs
inline constexpr std::size_t kResumeTicketSize = 16;                // ResumeRequest.ticket: names the session
inline constexpr std::size_t kResumeProofSize = 32;                 // ResumeRequest.proof: HMAC-SHA256
inline constexpr std::uint8_t kMaxPointerButton = 8;                // buttons 1..8 (4-7 = wheel in X11)
inline constexpr std::size_t kMaxFramesInFlight = 16;              // host-side cap; the viewer only acks
inline constexpr std::size_t kMaxMonitors = 16;                     // MonitorList.monitors
inline constexpr std::size_t kMaxUpdateRects = 256;                 // VideoFrame.coded, PixelUpdate.rects
inline constexpr std::size_t kMaxScreenCopies = 16;                 // VideoFrame.copies
inline constexpr std::size_t kMaxPixelUpdateRaw = 4u << 20;         // PixelUpdate pixels, uncompressed bytes
inline constexpr std::size_t kMaxPixelUpdateCompressed = 4u << 20;
inline constexpr std::size_t kMaxRemedyResultBytes = 128u << 10;      // RemedyResult JSON, uncompressed
inline constexpr std::size_t kMaxRemedyResultCompressed = 128u << 10;
inline constexpr std::size_t kMaxBulkChunk = 64u << 10;              // BulkChunk.data: one slice of a transfer
inline constexpr std::size_t kMaxSessionName = 64;                 // SessionInfo.machine, .user: UTF-8 bytes
inline constexpr std::size_t kMinHostKey = 16;                      // SessionInfo.host_key: hex characters
inline constexpr std::size_t kMaxHostKey = 64;
inline constexpr std::size_t kMaxTransferName = 4096;                // TransferControl.name: a path (PATH_MAX)

}  // namespace elfdesk::limits
