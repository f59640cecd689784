#include "protocol/messages.hpp"

#include <cstddef>
#include <type_traits>

namespace elfdesk::protocol {

namespace {

// type_of relies on the variant listing the alternatives in type id order; prove it for every type.
constexpr int index_of(std::uint16_t type) {
  for (std::size_t i = 0; i < kMessageTypeIds.size(); ++i)
    if (kMessageTypeIds[i] == type) return static_cast<int>(i);
  return -1;
}
template <MessageType type, class T>
constexpr bool kAt = index_of(static_cast<std::uint16_t>(type)) >= 0 &&
                     std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(index_of(static_cast<std::uint16_t>(type))), Message>, T>;

// Appended in the order they were added, not by id (26 came after 71): the highest id is the last known.
constexpr std::uint16_t highest_id() {
  std::uint16_t highest = 0;
  for (std::uint16_t id : kMessageTypeIds) highest = id > highest ? id : highest;
  return highest;
}
static_assert(highest_id() == kLastMessageType);
static_assert(kAt<MessageType::hello, Hello> && kAt<MessageType::auth_share, AuthShare> &&
              kAt<MessageType::auth_confirm, AuthConfirm> && kAt<MessageType::auth_result, AuthResult> &&
              kAt<MessageType::consent_request, ConsentRequest> &&
              kAt<MessageType::consent_result, ConsentResult> && kAt<MessageType::video_frame, VideoFrame> &&
              kAt<MessageType::frame_ack, FrameAck> && kAt<MessageType::keyframe_request, KeyframeRequest> &&
              kAt<MessageType::cursor_shape, CursorShape> && kAt<MessageType::cursor_position, CursorPosition> &&
              kAt<MessageType::key_event, KeyEvent> && kAt<MessageType::text_input, TextInput> &&
              kAt<MessageType::pointer_event, PointerEvent> && kAt<MessageType::probe_request, ProbeRequest> &&
              kAt<MessageType::probe_result, ProbeResult> && kAt<MessageType::clipboard, Clipboard> &&
              kAt<MessageType::chat, Chat> && kAt<MessageType::ping, Ping> && kAt<MessageType::pong, Pong> &&
              kAt<MessageType::goodbye, Goodbye> && kAt<MessageType::pixel_update, PixelUpdate> &&
              kAt<MessageType::bulk_chunk, BulkChunk> && kAt<MessageType::session_info, SessionInfo> &&
              kAt<MessageType::path_report, PathReport> &&
              kAt<MessageType::remedy_request, RemedyRequest> &&
              kAt<MessageType::remedy_result, RemedyResult> && kAt<MessageType::transfer_control, TransferControl> &&
              kAt<MessageType::monitor_list, MonitorList> && kAt<MessageType::monitor_select, MonitorSelect> &&
              kAt<MessageType::resume_request, ResumeRequest> && kAt<MessageType::resume_result, ResumeResult> &&
              kAt<MessageType::pixel_patch, PixelPatch> &&
              kAt<MessageType::region_frame, RegionFrame> && kAt<MessageType::scaled_frame, ScaledFrame>);

}  // namespace

MessageType type_of(const Message& message) {
  return static_cast<MessageType>(kMessageTypeIds[message.index()]);
}

int message_index_of(std::uint16_t type) { return index_of(type); }

const char* name_of(MessageType type) {
  switch (type) {
    case MessageType::hello: return "Hello";
    case MessageType::auth_share: return "AuthShare";
    case MessageType::auth_confirm: return "AuthConfirm";
    case MessageType::auth_result: return "AuthResult";
    case MessageType::consent_request: return "ConsentRequest";
    case MessageType::consent_result: return "ConsentResult";
    case MessageType::video_frame: return "VideoFrame";
    case MessageType::frame_ack: return "FrameAck";
    case MessageType::keyframe_request: return "KeyframeRequest";
    case MessageType::cursor_shape: return "CursorShape";
    case MessageType::cursor_position: return "CursorPosition";
    case MessageType::key_event: return "KeyEvent";
    case MessageType::text_input: return "TextInput";
    case MessageType::pointer_event: return "PointerEvent";
    case MessageType::probe_request: return "ProbeRequest";
    case MessageType::probe_result: return "ProbeResult";
    case MessageType::clipboard: return "Clipboard";
    case MessageType::chat: return "Chat";
    case MessageType::ping: return "Ping";
    case MessageType::pong: return "Pong";
    case MessageType::goodbye: return "Goodbye";
    case MessageType::pixel_update: return "PixelUpdate";
    case MessageType::pixel_patch: return "PixelPatch";
    case MessageType::region_frame: return "RegionFrame";
    case MessageType::scaled_frame: return "ScaledFrame";
    case MessageType::bulk_chunk: return "BulkChunk";
    case MessageType::session_info: return "SessionInfo";
    case MessageType::path_report: return "PathReport";
    case MessageType::remedy_request: return "RemedyRequest";
    case MessageType::remedy_result: return "RemedyResult";
    case MessageType::transfer_control: return "TransferControl";
    case MessageType::monitor_list: return "MonitorList";
    case MessageType::monitor_select: return "MonitorSelect";
    case MessageType::resume_request: return "ResumeRequest";
    case MessageType::resume_result: return "ResumeResult";
  }
  return "Unknown";
}

}  // namespace elfdesk::protocol
