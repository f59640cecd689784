#include "host/capture/damage_settle.hpp"

#include <algorithm>

namespace elfdesk::host {

void DamageSettle::damage_seen(TimePoint now) {
  if (!first_) first_ = now;
  last_ = now;
}

void DamageSettle::window_configured(TimePoint now) {
  damage_seen(now);  // the change is part of the burst: it starts one as damage does
  configured_ = now;
}

std::optional<DamageSettle::TimePoint> DamageSettle::hold_until(const std::vector<Rect>& damage,
                                                                TimePoint now) const {
  if (!first_ || !configured_ || now - *configured_ >= policy_.motion) return std::nullopt;
  long area = 0;
  for (const Rect& r : damage) area += static_cast<long>(r.width) * r.height;
  if (area < policy_.min_area) return std::nullopt;
  const TimePoint until = std::min(last_ + policy_.quiet, *first_ + policy_.longest);
  if (now >= until) return std::nullopt;
  return until;
}

void DamageSettle::grabbed() { first_.reset(); }

}  // namespace elfdesk::host
