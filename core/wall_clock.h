#pragma once
// Wall-clock time in microseconds since the epoch: the time base of live packet timestamps,
// so latencies can be measured against them.

#include <chrono>
#include <cstdint>

namespace egressmon::core {

inline int64_t wallClockUs() noexcept {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace egressmon::core
