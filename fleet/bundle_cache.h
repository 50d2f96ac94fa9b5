#pragma once
// The last good policy bundle on disk (`policy.cache-dir`/policy.bundle), so a sensor that
// starts while Kafka is unreachable runs the policy it last ran. The cache holds the signed
// bundle itself, not its rules: what is read back is verified like a bundle from the topic, so
// a cache changed on disk is refused like a tampered bundle.
//
// Written by the fleet agent's thread, read at start-up; store() replaces the file atomically
// (temporary file, fsync, rename, fsync of the directory), so a crash leaves the old bundle or
// the new one, never half of one. Errors are values (one line), never exceptions.

#include <optional>
#include <string>
#include <string_view>

namespace egressmon::fleet {

class BundleCache {
  public:
    // `max_bytes`: a larger file is refused on load (BundleLimits::max_bundle_bytes).
    BundleCache(std::string dir, size_t max_bytes);

    const std::string& path() const { return path_; }

    // The cached bytes; nullopt with `error` empty when there is no cache yet, nullopt with
    // `error` set when it cannot be read.
    std::optional<std::string> load(std::string& error) const;

    // Replaces the cache with `bytes`; false with `error` set on failure (the old file stays).
    bool store(std::string_view bytes, std::string& error) const;

  private:
    std::string dir_;
    std::string path_;
    size_t max_bytes_;
};

} // namespace egressmon::fleet
