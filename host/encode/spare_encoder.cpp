#include "host/encode/spare_encoder.hpp"

#include <utility>

namespace elfdesk::host {

namespace {

// Everything but the target rate, which a made encoder takes at any time.
bool same_encoder(const EncoderSettings& a, const EncoderSettings& b) {
  return a.width == b.width && a.height == b.height && a.max_fps == b.max_fps && a.cpu_used == b.cpu_used &&
         a.active_map == b.active_map && a.region_stream == b.region_stream;
}

}  // namespace

SpareEncoder::SpareEncoder(EncoderFactory make) : make_(make ? std::move(make) : EncoderFactory(make_vp8_encoder)) {}

SpareEncoder::~SpareEncoder() {
  const std::lock_guard lock(mutex_);
  if (spare_.valid()) spare_.wait();
}

void SpareEncoder::prepare(const EncoderSettings& settings) {
  const std::lock_guard lock(mutex_);
  if (prepared_) return;
  prepared_ = settings;
  spare_ = std::async(std::launch::async, make_, settings);
}

std::unique_ptr<VideoEncoder> SpareEncoder::take(const EncoderSettings& settings) {
  std::future<Made> spare;
  {
    const std::lock_guard lock(mutex_);
    if (!prepared_ || !same_encoder(*prepared_, settings)) return nullptr;
    prepared_.reset();
    spare = std::move(spare_);
  }
  Made made = spare.get();
  if (!made) return nullptr;  // the caller makes one itself, and reports that failure if it repeats
  (*made)->set_target_kbps(settings.target_kbps);
  return std::move(*made);
}

void SpareEncoder::drop() {
  std::future<Made> unused;
  {
    const std::lock_guard lock(mutex_);
    prepared_.reset();
    unused = std::move(spare_);
  }
  if (unused.valid()) unused.wait();  // and freed here, outside the lock
}

EncoderFactory SpareEncoder::factory() {
  return [this](const EncoderSettings& settings) -> Made {
    if (auto spare = take(settings)) return spare;
    return make_(settings);
  };
}

}  // namespace elfdesk::host
