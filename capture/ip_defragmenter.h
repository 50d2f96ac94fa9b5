#pragma once
// IPv4 and IPv6 fragment reassembly with bounded memory.
//
// Overlap policy ("first"): bytes that arrived first win; a later fragment only fills holes.
// A later fragment whose overlapping bytes differ from what is held is counted as an
// overlap conflict (an evasion attempt is visible in metrics even though it cannot change what
// we inspect). Datagrams larger than 65535 bytes of payload are rejected and counted.
// Timeouts are driven by the caller's clock (packet time for files, wall time for live).
//
// One instance per capture thread; not thread-safe; noexcept.

#include <cstdint>
#include <memory>
#include <span>

#include "packet_decoder.h"

namespace egressmon::capture {

struct DefragConfig {
    uint32_t max_datagrams = 8192;    // datagrams being reassembled at once
    uint64_t max_bytes = 64ull << 20; // fragment data held at once, all datagrams
    uint64_t timeout_us = 30'000'000; // Linux ipfrag_time default: 30 s
    uint32_t max_fragments_per_datagram = 512;
};

struct DefragCounters {
    uint64_t fragments = 0;          // fragments fed in
    uint64_t reassembled = 0;        // datagrams completed
    uint64_t timed_out = 0;          // datagrams dropped incomplete after timeout_us
    uint64_t evicted = 0;            // datagrams dropped to stay within max_datagrams/max_bytes
    uint64_t overlaps = 0;           // fragments that overlapped held data
    uint64_t overlap_conflicts = 0;  // ... with different bytes
    uint64_t too_large = 0;          // offset+len beyond 65535 payload bytes
    uint64_t too_many_fragments = 0; // datagram exceeded max_fragments_per_datagram
    uint64_t truncated = 0;          // fragment cut by snaplen: cannot be reassembled
    uint64_t bad = 0;                // inconsistent (e.g. two different "last" fragments)

    DefragCounters& operator+=(const DefragCounters& o);
};

class IpDefragmenter {
  public:
    explicit IpDefragmenter(DefragConfig config = {});
    ~IpDefragmenter();
    IpDefragmenter(const IpDefragmenter&) = delete;
    IpDefragmenter& operator=(const IpDefragmenter&) = delete;

    // Adds one fragment (frame bytes plus the decoder's FragmentInfo). When it completes a
    // datagram, returns the rebuilt datagram (IP header with length fixed and fragment fields
    // cleared, then the whole payload); the span stays valid until the next call. Otherwise an
    // empty span.
    std::span<const uint8_t> add(const FragmentInfo& frag, const uint8_t* frame,
                                 uint64_t now_us) noexcept;

    // Drops datagrams older than timeout_us. Cheap enough to call once per batch.
    void expire(uint64_t now_us) noexcept;

    const DefragCounters& counters() const noexcept;
    uint32_t datagramsInProgress() const noexcept;
    uint64_t bytesHeld() const noexcept;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace egressmon::capture
