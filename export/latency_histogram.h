#pragma once
// Alert latency: from the event (packet capture time live, detection time when replaying a
// file) to the broker's acknowledgement. Fixed buckets, one writer (the exporter thread),
// readers anywhere (metrics scrapes, the run summary), so counts are single-writer counters.

#include <array>
#include <cstdint>

#include "export/owned_counter.h"

namespace egressmon::exporting {

class LatencyHistogram {
  public:
    // Upper bounds in seconds, Prometheus-style ("le"); the last bucket is +Inf.
    static constexpr std::array<double, 15> kBounds = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    struct Snapshot {
        std::array<uint64_t, kBounds.size() + 1> buckets{}; // not cumulative; last is +Inf
        uint64_t count = 0;
        double sum_seconds = 0;
        // Upper bound of the bucket holding quantile q (0 < q <= 1); +Inf as a large number.
        double quantileUpperBound(double q) const;
    };

    void observe(double seconds) noexcept;
    Snapshot snapshot() const noexcept;

  private:
    std::array<OwnedCounter, kBounds.size() + 1> buckets_{};
    OwnedCounter sum_micros_;
};

} // namespace egressmon::exporting
