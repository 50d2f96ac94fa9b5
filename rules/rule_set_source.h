#pragma once
// The current rule set, published by the reloader and picked up by workers at batch boundaries.
// Workers poll generation() (one relaxed atomic load per batch) and take the lock only when it
// changed; the packet path never waits on the reloader.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "rule_set.h"

namespace egressmon::rules {

class RuleSetSource {
  public:
    explicit RuleSetSource(std::shared_ptr<const RuleSet> initial) : current_(std::move(initial)) {}

    // Any thread.
    uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }
    std::shared_ptr<const RuleSet> current() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return current_;
    }
    // The reloader thread.
    void publish(std::shared_ptr<const RuleSet> rules) {
        std::lock_guard<std::mutex> lock(mutex_);
        current_ = std::move(rules);
        generation_.fetch_add(1, std::memory_order_release);
    }

    // Publishes only if nothing was published since `expected` (a generation() read before
    // the rules were built): a SIGHUP reload that compiled while a signed bundle arrived must
    // not replace the bundle. False, and nothing changes, otherwise.
    bool publishIfUnchanged(uint64_t expected, std::shared_ptr<const RuleSet> rules) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (generation_.load(std::memory_order_acquire) != expected) return false;
            current_ = std::move(rules);
            generation_.fetch_add(1, std::memory_order_release);
        }
        return true;
    }

  private:
    mutable std::mutex mutex_;
    std::shared_ptr<const RuleSet> current_;
    std::atomic<uint64_t> generation_{0};
};

} // namespace egressmon::rules
