#include "latency_histogram.h"

#include <limits>

namespace egressmon::exporting {

void LatencyHistogram::observe(double seconds) noexcept {
    if (!(seconds >= 0)) seconds = 0; // clock steps (NaN, negative) count as "immediate"
    size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i])
        ++i;
    buckets_[i].add();
    sum_micros_.add(static_cast<uint64_t>(seconds * 1e6));
}

LatencyHistogram::Snapshot LatencyHistogram::snapshot() const noexcept {
    Snapshot s;
    for (size_t i = 0; i < buckets_.size(); ++i)
        s.buckets[i] = buckets_[i].get();
    s.count = 0;
    for (uint64_t b : s.buckets)
        s.count += b; // consistent with the buckets even if an observation is half done
    s.sum_seconds = double(sum_micros_.get()) / 1e6;
    return s;
}

double LatencyHistogram::Snapshot::quantileUpperBound(double q) const {
    if (count == 0) return 0;
    const double target = q * double(count);
    uint64_t seen = 0;
    for (size_t i = 0; i < buckets.size(); ++i) {
        seen += buckets[i];
        if (double(seen) >= target)
            return i < kBounds.size() ? kBounds[i] : std::numeric_limits<double>::infinity();
    }
    return std::numeric_limits<double>::infinity();
}

} // namespace egressmon::exporting
