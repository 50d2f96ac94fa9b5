#pragma once
// A value one thread owns and publishes now and then (about once a second) for others to read:
// the metrics endpoint's scrapes. The owner keeps counting in plain variables on its hot path
// and pays for this mutex only when it publishes; readers copy under the same mutex.

#include <mutex>

namespace egressmon::app {

template <class T> class PublishedSnapshot {
  public:
    void publish(const T& value) {
        std::lock_guard lock(mutex_);
        value_ = value;
    }
    T read() const {
        std::lock_guard lock(mutex_);
        return value_;
    }

  private:
    mutable std::mutex mutex_;
    T value_{};
};

} // namespace egressmon::app
