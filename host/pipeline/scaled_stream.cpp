#include "host/pipeline/scaled_stream.hpp"

#include <algorithm>
#include <utility>

#include "common/media/colour_convert.hpp"

namespace elfdesk::host {

ScaledStream::ScaledStream(EncoderFactory make_encoder, ScaledPolicy policy)
    : make_encoder_(make_encoder ? std::move(make_encoder) : EncoderFactory(make_vp8_encoder)), policy_(policy) {}

bool ScaledStream::wants(const std::vector<Rect>& coded, const BgraImage& image,
                         std::chrono::steady_clock::time_point now) {
  long area = 0;
  for (const Rect& r : coded) area += static_cast<long>(r.width) * r.height;
  if (static_cast<double>(area) < policy_.min_share * static_cast<double>(image.width) * image.height) return false;
  run_ = last_large_ && now - *last_large_ <= policy_.max_gap ? run_ + 1 : 1;
  last_large_ = now;
  return run_ >= policy_.min_run;
}

// The encoder lives as long as the screen keeps its size: making one zeroes megabytes of libvpx's buffers
// (docs/performance.md, "Roaming motion leaves the region stream"), and its reference carries over from
// one run of motion to the next, so a new run needs no keyframe.
std::expected<void, Error> ScaledStream::ready_encoder(const BgraImage& image, int kbps) {
  const int w = scaled_size(image.width), h = scaled_size(image.height);
  if (!encoder_ || encoder_->width() != w || encoder_->height() != h) {
    EncoderSettings settings{w, h, kbps, 30};
    settings.region_stream = true;  // motion quality, one fast speed, keyframes included
    auto made = make_encoder_(settings);
    if (!made) return std::unexpected(made.error());
    encoder_ = std::move(*made);
    applied_kbps_ = kbps;
    scaled_ = BgraImage::make(w, h);
    needs_keyframe_ = true;
  }
  if (kbps != applied_kbps_) {
    encoder_->set_target_kbps(kbps);
    applied_kbps_ = kbps;
  }
  return {};
}

std::expected<std::optional<ScaledCoded>, Error> ScaledStream::encode(const BgraImage& image,
                                                                      const std::vector<Rect>& coded,
                                                                      int target_kbps, std::uint64_t timestamp_us) {
  const int kbps = std::max(1, target_kbps / kScale);
  if (auto ok = ready_encoder(image, kbps); !ok) return std::unexpected(ok.error());
  const bool keyframe = needs_keyframe_;
  const int w = scaled_.width, h = scaled_.height;
  EncodeRequest request{&scaled_, {}, keyframe, false, timestamp_us};
  // A keyframe codes all of the picture, so all of it must be the screen as it is now.
  if (keyframe) media::scale_bgra_clip(image, scaled_.pixels.data(), scaled_.stride, w, h, Rect{0, 0, w, h});
  for (const Rect& r : coded) {
    const Rect area = media::scaled_cover(r, kScale, w, h);
    if (area.empty()) continue;
    if (!keyframe) media::scale_bgra_clip(image, scaled_.pixels.data(), scaled_.stride, w, h, area);
    request.dirty.push_back(area);
  }
  auto encoded = encoder_->encode(request);
  if (!encoded) {
    needs_keyframe_ = true;
    return std::unexpected(encoded.error());
  }
  if (!*encoded) return std::optional<ScaledCoded>{};
  if ((*encoded)->keyframe) {
    ++generation_;
    needs_keyframe_ = false;
  }
  return ScaledCoded{generation_, (*encoded)->keyframe, std::move((*encoded)->data), (*encoded)->encode_us, kbps};
}

}  // namespace elfdesk::host
