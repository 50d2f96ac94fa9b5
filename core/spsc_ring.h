#pragma once
// Bounded single-producer single-consumer ring (Lamport queue with cached indices).
// Exactly one thread may call tryPush and exactly one other thread may call tryPop; no locks,
// no allocation after construction. Capacity is rounded up to a power of two.

#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

namespace egressmon::core {

template <class T> class SpscRing {
  public:
    explicit SpscRing(size_t capacity)
        : mask_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity) - 1),
          slots_(std::make_unique<T[]>(mask_ + 1)) {}

    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    size_t capacity() const { return mask_ + 1; }

    // Producer thread only. Returns false (and leaves `value` untouched) when full.
    bool tryPush(T& value) {
        const size_t head = head_.load(std::memory_order_relaxed);
        if (head - tail_cache_ > mask_) {
            tail_cache_ = tail_.load(std::memory_order_acquire);
            if (head - tail_cache_ > mask_) return false;
        }
        slots_[head & mask_] = std::move(value);
        head_.store(head + 1, std::memory_order_release);
        return true;
    }

    // Consumer thread only.
    std::optional<T> tryPop() {
        const size_t tail = tail_.load(std::memory_order_relaxed);
        if (tail == head_cache_) {
            head_cache_ = head_.load(std::memory_order_acquire);
            if (tail == head_cache_) return std::nullopt;
        }
        T value = std::move(slots_[tail & mask_]);
        tail_.store(tail + 1, std::memory_order_release);
        return value;
    }

    // Either thread; a snapshot that may be stale by the time it is used.
    bool emptyApprox() const {
        return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
    }

  private:
    const size_t mask_;
    std::unique_ptr<T[]> slots_;
    // Producer and consumer indices on separate cache lines so they do not false-share.
    alignas(64) std::atomic<size_t> head_{0};
    size_t tail_cache_ = 0; // producer's last view of tail_
    alignas(64) std::atomic<size_t> tail_{0};
    size_t head_cache_ = 0; // consumer's last view of head_
};

} // namespace egressmon::core
