#include "client/record/session_recorder.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "common/log.hpp"
#include "common/media/webm_writer.hpp"
#include "host/encode/video_encoder.hpp"

namespace elfdesk::client {

struct SessionRecorder::Encoder {
  std::unique_ptr<host::VideoEncoder> vp8;
  std::unique_ptr<WebmWriter> file;
};

namespace {

// A recording is watched later, not streamed: more bits than the live stream's floor, still small.
constexpr int kRecordingKbps = 2500;
constexpr std::uint64_t kFrameIntervalUs = 1'000'000 / SessionRecorder::kMaxFps;

std::uint8_t blend(std::uint8_t over, std::uint8_t under, std::uint8_t alpha) {
  return static_cast<std::uint8_t>((over * alpha + under * (255 - alpha) + 127) / 255);
}

// The recording keeps the size of its first picture; a later size is copied into it at the top left.
void fit_into(const BgraImage& from, BgraImage& into) {
  const int w = std::min(from.width, into.width);
  const int h = std::min(from.height, into.height);
  std::fill(into.pixels.begin(), into.pixels.end(), std::uint8_t{0});
  for (int y = 0; y < h; ++y) std::memcpy(into.row(y), from.row(y), static_cast<std::size_t>(w) * 4);
}

}  // namespace

void draw_cursor(BgraImage& picture, const protocol::CursorShape& cursor, const protocol::CursorPosition& at) {
  if (!at.visible || cursor.rgba.size() != static_cast<std::size_t>(cursor.width) * cursor.height * 4) return;
  const int left = at.x - cursor.hot_x;
  const int top = at.y - cursor.hot_y;
  for (int cy = 0; cy < cursor.height; ++cy) {
    const int y = top + cy;
    if (y < 0 || y >= picture.height) continue;
    for (int cx = 0; cx < cursor.width; ++cx) {
      const int x = left + cx;
      if (x < 0 || x >= picture.width) continue;
      const std::uint8_t* rgba = cursor.rgba.data() + (static_cast<std::size_t>(cy) * cursor.width + cx) * 4;
      std::uint8_t* bgra = picture.row(y) + static_cast<std::size_t>(x) * 4;
      bgra[0] = blend(rgba[2], bgra[0], rgba[3]);
      bgra[1] = blend(rgba[1], bgra[1], rgba[3]);
      bgra[2] = blend(rgba[0], bgra[2], rgba[3]);
    }
  }
}

SessionRecorder::SessionRecorder(std::string path) : path_(std::move(path)), encoder_(std::make_unique<Encoder>()) {
  summary_.path = path_;
}

std::expected<std::unique_ptr<SessionRecorder>, Error> SessionRecorder::start(std::string path) {
  // The real size is known with the first picture; creating a file now proves the path is writable.
  if (auto probe = WebmWriter::create(path, 16, 16); !probe) return std::unexpected(probe.error());
  std::unique_ptr<SessionRecorder> recorder(new SessionRecorder(std::move(path)));
  recorder->thread_ = std::thread([r = recorder.get()] { r->run(); });
  return recorder;
}

SessionRecorder::~SessionRecorder() { (void)finish(last_offer_us_); }

bool SessionRecorder::due(std::uint64_t now_us) const {
  return !offered_any_ || now_us >= last_offer_us_ + kFrameIntervalUs;
}

void SessionRecorder::offer(const BgraImage& picture, const protocol::CursorShape* cursor,
                            const protocol::CursorPosition& at, std::uint64_t now_us) {
  if (finished_ || picture.width <= 0 || !due(now_us)) return;
  if (!offered_any_) first_us_ = now_us;
  offered_any_ = true;
  last_offer_us_ = now_us;
  last_ = picture;
  if (cursor) draw_cursor(last_, *cursor, at);
  std::lock_guard lock(mutex_);
  Frame frame{last_, now_us - first_us_};
  if (pending_.size() >= 2) {
    pending_.back() = std::move(frame);  // the encoder is behind: the newest replaces the one after the next
  } else {
    pending_.push_back(std::move(frame));
  }
  wake_.notify_one();
}

std::expected<RecordingSummary, Error> SessionRecorder::finish(std::uint64_t now_us) {
  if (finished_) return summary_;
  finished_ = true;
  {
    std::lock_guard lock(mutex_);
    // The last picture again at the end: the file lasts as long as the session showed it.
    if (offered_any_ && now_us > last_offer_us_) pending_.push_back(Frame{last_, now_us - first_us_, true});
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  if (encoder_->file) {
    if (auto done = encoder_->file->finish(); !done && !error_) error_ = done.error();
  }
  // No picture in it (recording not granted, or the session ended first): a WebM without frames is no
  // recording, and players call it broken. Remove it (start() created it to prove the path).
  if (written_ == 0) {
    encoder_->file.reset();
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  if (error_) return std::unexpected(*error_);
  return summary_;
}

void SessionRecorder::run() {
  while (true) {
    Frame frame;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !pending_.empty() || stopping_; });
      if (pending_.empty()) return;
      frame = std::move(pending_.front());
      pending_.pop_front();
    }
    if (auto ok = write(frame); !ok) {
      log::warn("recording stopped: {}", ok.error().detail);
      std::lock_guard lock(mutex_);
      error_ = ok.error();
      return;
    }
  }
}

std::expected<void, Error> SessionRecorder::write(Frame& frame) {
  Encoder& e = *encoder_;
  if (!e.vp8) {
    host::EncoderSettings settings;
    settings.width = frame.picture.width & ~1;  // VP8 via I420 wants even sizes
    settings.height = frame.picture.height & ~1;
    settings.target_kbps = kRecordingKbps;
    settings.max_fps = kMaxFps;
    settings.active_map = false;  // every recorded frame is whole
    auto vp8 = host::make_vp8_encoder(settings);
    if (!vp8) return std::unexpected(vp8.error());
    auto file = WebmWriter::create(path_, settings.width, settings.height);
    if (!file) return std::unexpected(file.error());
    e.vp8 = std::move(*vp8);
    e.file = std::move(*file);
    summary_.width = settings.width;
    summary_.height = settings.height;
  }
  if (frame.picture.width != e.vp8->width() || frame.picture.height != e.vp8->height()) {
    BgraImage fitted = BgraImage::make(e.vp8->width(), e.vp8->height());
    fit_into(frame.picture, fitted);
    frame.picture = std::move(fitted);
  }
  host::EncodeRequest request;
  request.image = &frame.picture;
  request.dirty = {Rect{0, 0, frame.picture.width, frame.picture.height}};  // every recorded frame is whole
  request.force_keyframe = frame.last || written_ % kKeyframeEvery == 0;
  request.timestamp_us = frame.at_us + 1;  // 0 would mean "now"
  auto encoded = e.vp8->encode(request);
  if (!encoded) return std::unexpected(encoded.error());
  if (!*encoded) {  // rate control dropped it; never the closing frame (a keyframe)
    if (frame.last) return std::unexpected(make_error(ErrorCode::internal, "recording: the last picture was not encoded"));
    return {};
  }
  // WebM needs strictly increasing times; two pictures within a millisecond keep their order.
  const std::uint64_t pts_ms = std::max(frame.at_us / 1000, written_ == 0 ? 0 : last_pts_ms_ + 1);
  if (auto ok = e.file->add_frame((*encoded)->data, pts_ms, (*encoded)->keyframe); !ok) return ok;
  last_pts_ms_ = pts_ms;
  ++written_;
  summary_.frames = written_;
  summary_.seconds = static_cast<double>(pts_ms) / 1000.0;
  return {};
}

}  // namespace elfdesk::client
