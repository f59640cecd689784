#include "host/pipeline/region_stream.hpp"

#include <cmath>
#include <cstring>
#include <algorithm>
#include <utility>

namespace elfdesk::host {

namespace {

// Copies `area` (screen coordinates) of `image` into `crop`, whose top-left is the screen's `origin`.
void copy_into(const BgraImage& image, const Rect& area, const Rect& origin, BgraImage& crop) {
  const auto bytes = static_cast<std::size_t>(area.width) * 4;
  for (int y = area.y; y < area.y + area.height; ++y)
    std::memcpy(crop.row(y - origin.y) + static_cast<std::size_t>(area.x - origin.x) * 4,
                image.row(y) + static_cast<std::size_t>(area.x) * 4, bytes);
}

// The region encoder's bitrate target: the main target scaled by the square root of the region's share of
// the screen. libvpx's rate control sizes a full-screen frame's quantizer for all its macroblocks, also
// those the active map leaves out; given the same target, a 704x416 region of grainy video spent 1.9x the
// bytes for +0.9 dB. With sqrt(share) (0.38 there) it matched the full-frame stream's quality on the video
// (31.8 dB) at 0.67x its bytes (docs/performance.md, "Host CPU (issue 17)").
int region_kbps(int target_kbps, const Rect& region, const BgraImage& screen) {
  const double share = static_cast<double>(region.width) * region.height /
                       (static_cast<double>(screen.width) * screen.height);
  return std::max(1, static_cast<int>(std::lround(target_kbps * std::sqrt(std::min(share, 1.0)))));
}

}  // namespace

RegionStream::RegionStream(EncoderFactory make_encoder, RegionPolicy policy)
    : make_encoder_(make_encoder ? std::move(make_encoder) : EncoderFactory(make_vp8_encoder)), picker_(policy) {}

void RegionStream::reset() {
  picker_.reset();
  needs_keyframe_ = true;
}

std::optional<Rect> RegionStream::place(const std::vector<Rect>& coded, const BgraImage& image) {
  const std::optional<Rect> region = picker_.place(coded, image.width, image.height);
  if (region && *region != coded_region_) needs_keyframe_ = true;
  return region;
}

// The region encoder is remade for a new size (libvpx keeps its size) and keeps its rate control
// otherwise; either way a new region starts with a keyframe, which the viewer takes as a new generation.
std::expected<void, Error> RegionStream::ready_encoder(const Rect& region, int target_kbps) {
  if (!encoder_ || encoder_->width() != region.width || encoder_->height() != region.height) {
    EncoderSettings settings{region.width, region.height, target_kbps, 30};
    settings.region_stream = true;
    auto made = make_encoder_(settings);
    if (!made) return std::unexpected(made.error());
    encoder_ = std::move(*made);
    applied_kbps_ = target_kbps;
    crop_ = BgraImage::make(region.width, region.height);
  }
  if (target_kbps != applied_kbps_) {
    encoder_->set_target_kbps(target_kbps);
    applied_kbps_ = target_kbps;
  }
  return {};
}

std::expected<std::optional<RegionCoded>, Error> RegionStream::encode(const BgraImage& image,
                                                                      const std::vector<Rect>& coded,
                                                                      int target_kbps, std::uint64_t timestamp_us) {
  const std::optional<Rect>& region = picker_.region();
  if (!region) return std::unexpected(make_error(ErrorCode::invalid_argument, "region stream: no region"));
  const int kbps = region_kbps(target_kbps, *region, image);
  if (auto ok = ready_encoder(*region, kbps); !ok)
    return std::unexpected(ok.error());
  const bool keyframe = needs_keyframe_;
  EncodeRequest request{&crop_, {}, keyframe, false, timestamp_us};
  if (keyframe) copy_into(image, *region, *region, crop_);  // a keyframe codes (and converts) all of it
  for (const Rect& r : coded) {
    if (!keyframe) copy_into(image, r, *region, crop_);
    request.dirty.push_back(Rect{r.x - region->x, r.y - region->y, r.width, r.height});
  }
  auto encoded = encoder_->encode(request);
  if (!encoded) {
    needs_keyframe_ = true;
    return std::unexpected(encoded.error());
  }
  if (!*encoded) return std::optional<RegionCoded>{};
  if (keyframe) {
    ++generation_;
    coded_region_ = *region;
    needs_keyframe_ = false;
  }
  return RegionCoded{*region, generation_, (*encoded)->keyframe, std::move((*encoded)->data), (*encoded)->encode_us,
                     kbps};
}

}  // namespace elfdesk::host
