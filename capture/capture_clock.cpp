#include "capture_clock.h"

namespace egressmon::capture {

namespace {
uint64_t distance(uint64_t a, uint64_t b) {
    return a > b ? a - b : b - a;
}
} // namespace

uint64_t CaptureClock::sanitize(uint64_t sec, uint64_t usec) noexcept {
    if (usec >= 1'000'000) { // not a valid microsecond field: keep the second, count it
        usec = 999'999;
        ++anomalies_;
    }
    const uint64_t ts = sec * 1'000'000 + usec;
    if (!started_) {
        started_ = true;
        clock_us_ = ts;
        pending_jump_us_ = 0;
        return ts;
    }
    if (distance(ts, clock_us_) <= max_jump_us_) {
        if (ts > clock_us_) clock_us_ = ts;
        pending_jump_us_ = 0;
        return ts; // small steps back (reordered capture) are kept as they are
    }
    if (pending_jump_us_ != 0 && distance(ts, pending_jump_us_) <= max_jump_us_) {
        clock_us_ = ts; // two packets agree on the new time: a real gap, follow it
        pending_jump_us_ = 0;
        return ts;
    }
    pending_jump_us_ = ts;
    ++anomalies_;
    return clock_us_;
}

} // namespace egressmon::capture
