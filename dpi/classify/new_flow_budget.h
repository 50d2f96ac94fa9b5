#pragma once
// How many new flows per second of capture time a worker hands to nDPI: a token bucket filled
// at `per_second`, holding at most one second's worth. Under a flood of new flows (a SYN flood,
// a scan, millions of 64-byte packets per second) the flows over the budget are shed from
// classification, the costly part of a new flow (a 700-byte nDPI state, dissector passes), so
// the worker's time stays with the flows it already follows: they keep being reassembled,
// decoded and matched. A shed flow is still tracked, decoded and matched; only its protocol
// stays unknown (rules that name protocols or categories do not hold for it).
//
// Capture time, not the wall clock: a capture file replays the same way at any speed, and live
// packets carry the time they arrived. Owned by one worker's classifier; no locks.

#include <algorithm>
#include <cstdint>

namespace egressmon::dpi {

class NewFlowBudget {
  public:
    // 0: no budget (every new flow is classified).
    explicit NewFlowBudget(uint32_t per_second) noexcept
        : per_second_(per_second), tokens_(static_cast<double>(per_second)) {}

    // One new flow at `ts_us`: true when it may be classified (a token was taken).
    bool take(uint64_t ts_us) noexcept {
        if (per_second_ == 0) return true;
        if (ts_us > last_us_) {
            // The first flow only starts the clock (the bucket starts full).
            if (last_us_ != 0) {
                const double refill = static_cast<double>(ts_us - last_us_) * per_second_ / 1e6;
                tokens_ = std::min(tokens_ + refill, static_cast<double>(per_second_));
            }
            last_us_ = ts_us;
        }
        if (tokens_ < 1.0) return false;
        tokens_ -= 1.0;
        return true;
    }

  private:
    uint32_t per_second_;
    double tokens_;
    uint64_t last_us_ = 0;
};

} // namespace egressmon::dpi
