#pragma once
// A counter written by one thread and read by others (metrics scrapes, the run summary): plain
// relaxed load and store, no read-modify-write lock, since there is only one writer.

#include <atomic>
#include <cstdint>

namespace egressmon::exporting {

struct OwnedCounter {
    std::atomic<uint64_t> value{0};
    void add(uint64_t n = 1) noexcept {
        value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    void set(uint64_t n) noexcept { value.store(n, std::memory_order_relaxed); }
    uint64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
};

} // namespace egressmon::exporting
