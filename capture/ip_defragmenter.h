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

#include "core/counter_table.h"
#include "packet_decoder.h"

namespace egressmon::capture {

struct DefragConfig {
    uint32_t max_datagrams = 8192;    // datagrams being reassembled at once
    uint64_t max_bytes = 64ull << 20; // fragment data held at once, all datagrams
    uint64_t timeout_us = 30'000'000; // Linux ipfrag_time default: 30 s
    uint32_t max_fragments_per_datagram = 512;
};

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_DEFRAG_COUNTERS(X)                                                               \
    X(fragments, "fragments", "IP fragments seen",                                                 \
      counter::metric("egressmon_defrag_fragments_total"))                                         \
    X(reassembled, "datagrams", "IP datagrams reassembled",                                        \
      counter::metric("egressmon_defrag_reassembled_total"))                                       \
    X(timed_out, "datagrams", "Datagrams dropped incomplete after the timeout",                    \
      counter::series("timed_out").limit("defrag.timeout"))                                        \
    X(evicted, "datagrams",                                                                        \
      "Datagrams dropped to stay within defrag.max-datagrams or defrag.max-bytes",                 \
      counter::series("evicted").limit("defrag.max-datagrams"))                                    \
    X(overlaps, "fragments", "Fragments that overlapped held data", counter::statsOnly)            \
    X(overlap_conflicts, "fragments",                                                              \
      "Fragments that overlapped held data with different bytes (an evasion signal)",              \
      counter::series("overlap_conflict"))                                                         \
    X(too_large, "fragments", "Fragments reaching past the IP maximum of 65535 payload bytes",     \
      counter::series("too_large"))                                                                \
    X(too_many_fragments, "datagrams",                                                             \
      "Datagrams dropped for having more fragments than the bound",                                \
      counter::series("too_many_fragments").limit("defrag.max-fragments"))                         \
    X(truncated, "fragments", "Fragments cut by the snap length (cannot be reassembled)",          \
      counter::series("truncated"))                                                                \
    X(bad, "datagrams", "Inconsistent datagrams (e.g. two different last fragments)",              \
      counter::series("inconsistent"))                                                             \
    /* one X(...) per counter, above this line */

struct DefragCounters {
    EGRESSMON_DEFRAG_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(DefragCounters, EGRESSMON_DEFRAG_COUNTERS, "defrag", "defrag",
                            "egressmon_defrag_dropped_total")
    EGRESSMON_COUNTER_SUM(DefragCounters)
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
