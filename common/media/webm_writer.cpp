#include "common/media/webm_writer.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
}

#include <array>

namespace elfdesk {
namespace {

std::string av_reason(int code) {
  std::array<char, AV_ERROR_MAX_STRING_SIZE> text{};
  av_strerror(code, text.data(), text.size());
  return text.data();
}

Error av_error(const std::string& what, int code) {
  return make_error(ErrorCode::io, "recording: " + what + ": " + av_reason(code));
}

}  // namespace

struct WebmWriter::Impl {
  AVFormatContext* format = nullptr;
  AVStream* stream = nullptr;
  AVPacket* packet = nullptr;
  bool header_written = false;
  bool finished = false;

  ~Impl() {
    av_packet_free(&packet);
    if (format) {
      if (format->pb) avio_closep(&format->pb);
      avformat_free_context(format);
    }
  }
};

WebmWriter::WebmWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebmWriter::~WebmWriter() { (void)finish(); }

std::expected<std::unique_ptr<WebmWriter>, Error> WebmWriter::create(const std::string& path, int width, int height) {
  auto impl = std::make_unique<Impl>();
  int rc = avformat_alloc_output_context2(&impl->format, nullptr, "webm", path.c_str());
  if (rc < 0 || !impl->format) return std::unexpected(av_error("no WebM muxer", rc));
  impl->stream = avformat_new_stream(impl->format, nullptr);
  impl->packet = av_packet_alloc();
  if (!impl->stream || !impl->packet) return std::unexpected(make_error(ErrorCode::internal, "recording: out of memory"));
  AVCodecParameters* par = impl->stream->codecpar;
  par->codec_type = AVMEDIA_TYPE_VIDEO;
  par->codec_id = AV_CODEC_ID_VP8;
  par->width = width;
  par->height = height;
  impl->stream->time_base = AVRational{1, 1000};  // WebM counts milliseconds
  if ((rc = avio_open(&impl->format->pb, path.c_str(), AVIO_FLAG_WRITE)) < 0)
    return std::unexpected(av_error("cannot write " + path, rc));
  if ((rc = avformat_write_header(impl->format, nullptr)) < 0)
    return std::unexpected(av_error("cannot start " + path, rc));
  impl->header_written = true;
  return std::unique_ptr<WebmWriter>(new WebmWriter(std::move(impl)));
}

std::expected<void, Error> WebmWriter::add_frame(std::span<const std::uint8_t> vp8, std::uint64_t pts_ms,
                                                 bool keyframe) {
  Impl& s = *impl_;
  if (s.finished) return std::unexpected(make_error(ErrorCode::closed, "recording: already finished"));
  AVPacket* packet = s.packet;
  // av_write_frame does not take ownership of unreferenced data: the span stays ours.
  packet->data = const_cast<std::uint8_t*>(vp8.data());
  packet->size = static_cast<int>(vp8.size());
  packet->stream_index = s.stream->index;
  packet->pts = packet->dts = av_rescale_q(static_cast<std::int64_t>(pts_ms), AVRational{1, 1000}, s.stream->time_base);
  packet->flags = keyframe ? AV_PKT_FLAG_KEY : 0;
  const int rc = av_write_frame(s.format, packet);
  av_packet_unref(packet);
  if (rc < 0) return std::unexpected(av_error("cannot write a frame", rc));
  return {};
}

std::expected<void, Error> WebmWriter::finish() {
  Impl& s = *impl_;
  if (s.finished || !s.header_written) return {};
  s.finished = true;
  const int rc = av_write_trailer(s.format);
  avio_closep(&s.format->pb);
  if (rc < 0) return std::unexpected(av_error("cannot finish the file", rc));
  return {};
}

}  // namespace elfdesk
