#pragma once
// TCP reassembly for ONE direction of one flow: turns segments as captured (out of order,
// retransmitted, overlapping, wrapping around 2^32) into the in-order byte stream the sender
// wrote, delivered to a StreamConsumer.
//
// Policy ("first wins", as Windows/BSD-first targets and Suricata's "first" policy): bytes
// already delivered or already buffered are never replaced by a later segment covering the
// same sequence range; a later segment only fills holes. Overlaps with different bytes are
// counted (evasion is visible) but cannot change what was inspected.
//
// What counts as a conflict (overlap_conflicts, always also an overlap; never counted as
// retransmitted_bytes):
//   - bytes still held (not yet delivered) that a later segment covers with other bytes: compared
//     byte for byte;
//   - a segment that repeats EXACTLY the sequence range of one of the last kDeliveredRecords
//     pieces delivered in this direction (one onData call each: usually one segment) with other
//     bytes. Delivered bytes are not kept; each such piece is remembered by its range and a
//     64-bit hash of its bytes (16 bytes per piece, DeliveredSegments), and compared by hash.
// Not detected (counted as retransmitted_bytes, or as an overlap without conflict): a repeat of
// older delivered pieces, of part of a delivered piece or of a range spanning several, and the
// already-delivered head of a segment that also brings new bytes (it is trimmed unseen). The hash
// is seeded per process but is not cryptographic.
//
// Out of order: segments beyond a hole are held, each charged its bytes plus kPieceOverhead (the
// real cost of a map node and its buffer), against max_buffered_bytes / max_segments (per
// direction) and the worker-wide budget. Over a direction's bound, the FURTHEST-ahead pieces are
// dropped, as a receiver with a full buffer would: a flood of tiny far-ahead segments cannot push
// the stream past the real data. Over the worker budget, the new piece is refused, so one flow
// cannot blind the others.
//
// Gaps: a hole is given up on only when the receiver's ACK shows it got bytes the capture never
// had (onAck, and only up to data actually held), or at close(). The consumer is told
// onGap(bytes_missing) and the stream continues after it, so no consumer ever sees two pieces
// joined across missing bytes.
//
// Mid-stream pickup: the first segment seen (without SYN) fixes the stream's start at its own
// sequence number. A SYN fixes it at ISN+1.
//
// Thread: owned by the worker that owns the flow. noexcept; memory bounded as described.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "counter_table.h"

namespace egressmon::core {

class StreamConsumer {
  public:
    virtual ~StreamConsumer() = default;
    // In-order bytes; `len` > 0. `data` is valid only during the call.
    virtual void onData(const uint8_t* data, uint32_t len) noexcept = 0;
    // `missing` bytes (> 0) were skipped; the next onData follows the hole.
    virtual void onGap(uint64_t missing) noexcept = 0;
};

struct ReassemblyConfig {
    uint32_t max_buffered_bytes = 1u << 20; // out-of-order bytes held per direction
    uint32_t max_segments = 4096;           // out-of-order segments held per direction
    // Sanity window: a segment starting further ahead of the delivered point is not taken as
    // part of this stream (bogus, a reused port, a broken capture) and is dropped; an ACK
    // further ahead gives up no hole. At most 2^31 - 1 (sequence-number arithmetic).
    uint32_t max_ahead_bytes = 64u << 20;
};

// Per-worker counters: one line per counter, X(field, unit, help, exports); see
// core/counter_table.h.
#define EGRESSMON_REASSEMBLY_COUNTERS(X)                                                           \
    X(segments, "segments", "TCP segments with payload seen", counter::statsOnly)                  \
    X(delivered_bytes, "bytes", "Bytes delivered in order to inspection", counter::statsOnly)      \
    X(retransmitted_bytes, "bytes", "Payload bytes entirely already seen (retransmissions)",       \
      counter::series("retransmitted_byte"))                                                       \
    X(overlaps, "segments", "Segments partly covering held or delivered bytes",                    \
      counter::series("overlap"))                                                                  \
    X(overlap_conflicts, "segments",                                                               \
      "Overlapping segments with different bytes (an evasion signal)",                             \
      counter::series("overlap_conflict"))                                                         \
    X(gaps, "holes", "Holes given up on (capture loss)", counter::series("gap"))                   \
    X(gap_bytes, "bytes", "Bytes missing in the holes given up on", counter::statsOnly)            \
    X(depth_exceeded, "segments",                                                                  \
      "Held TCP segments dropped because a direction's buffer was full (bytes)",                   \
      counter::limit("reassembly.max-buffered-bytes"))                                             \
    X(segments_exceeded, "segments",                                                               \
      "Held TCP segments dropped because a direction held too many segments",                      \
      counter::limit("reassembly.max-segments"))                                                   \
    X(budget_exceeded, "segments",                                                                 \
      "TCP segments refused because the worker-wide reassembly budget was full",                   \
      counter::limit("reassembly.memcap"))                                                         \
    X(ahead_exceeded, "segments",                                                                  \
      "TCP segments dropped for starting further ahead of the delivered point than the "           \
      "look-ahead window",                                                                         \
      counter::limit("reassembly.max-ahead-bytes"))                                                \
    /* one X(...) per counter, above this line */

// Per-worker counters and the worker-wide budget of out-of-order bytes (all flows together).
struct ReassemblyBudget {
    uint64_t max_bytes = 256ull << 20;
    uint64_t bytes_held = 0;
    EGRESSMON_REASSEMBLY_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(ReassemblyBudget, EGRESSMON_REASSEMBLY_COUNTERS, "reassembly",
                            "reassembly", "egressmon_reassembly_events_total")
    // Sums the counters of another worker's budget (for reports); the bounds stay this one's.
    EGRESSMON_COUNTER_SUM(ReassemblyBudget)
};

// The last few pieces delivered in one direction, each as (stream offset, length, 64-bit hash of
// its bytes), so that a retransmission of exactly one of those ranges can be compared with what
// was delivered without keeping the bytes. Fixed size; the oldest entry is overwritten.
class DeliveredSegments {
  public:
    static constexpr size_t kCount = 4;
    enum class Match : uint8_t { kUnknown, kSame, kDifferent };

    void remember(uint64_t start, const uint8_t* data, uint32_t len) noexcept;
    // kUnknown unless [start, start + len) is exactly a remembered piece.
    Match compare(uint64_t start, const uint8_t* data, uint32_t len) const noexcept;

  private:
    struct Entry {
        uint32_t start = 0; // low 32 bits of the stream offset: entries are recent
        uint32_t len = 0;   // 0: unused
        uint64_t hash = 0;
    };
    std::array<Entry, kCount> entries_{};
    uint8_t next_ = 0; // the entry overwritten next
};

class TcpReassembler {
  public:
    TcpReassembler(const ReassemblyConfig& config, ReassemblyBudget& budget) noexcept
        : config_(config), budget_(budget) {}
    ~TcpReassembler(); // returns held bytes to the budget
    TcpReassembler(const TcpReassembler&) = delete;
    TcpReassembler& operator=(const TcpReassembler&) = delete;

    // One segment of this direction. `flags` are the TCP flags (SYN sets the start; FIN/RST
    // are noted, delivery continues until close()).
    void onSegment(uint32_t seq, const uint8_t* payload, uint32_t len, uint8_t flags,
                   StreamConsumer& consumer) noexcept;

    // An ACK for this direction's data, seen in a segment of the other direction: holes before
    // held data that the receiver acknowledged are capture loss and are given up on.
    void onAck(uint32_t ack, StreamConsumer& consumer) noexcept;

    // End of the flow or of this direction: deliver everything still buffered, announcing each
    // hole (and bytes seen beyond the delivered point but dropped) with onGap(). Afterwards the
    // reassembler holds nothing.
    void close(StreamConsumer& consumer) noexcept;

    // What one held piece costs beyond its payload (map node, vector header, allocator).
    static constexpr uint32_t kPieceOverhead = 96;
    // How many delivered pieces are remembered to tell a conflicting retransmission of delivered
    // bytes from a plain one.
    static constexpr size_t kDeliveredRecords = DeliveredSegments::kCount;

    uint64_t deliveredBytes() const noexcept { return delivered_; }
    uint32_t bufferedBytes() const noexcept { return buffered_bytes_; }

  private:
    const ReassemblyConfig& config_;
    ReassemblyBudget& budget_;
    bool started_ = false;
    uint32_t next_seq_ = 0;  // sequence number of the next byte to deliver
    uint64_t delivered_ = 0; // bytes delivered so far (stream offset of next_seq_)
    // Out-of-order segments keyed by their offset relative to next_seq_'s stream position,
    // stored as absolute 64-bit stream offsets so wrap-around never reorders them.
    std::map<uint64_t, std::vector<uint8_t>> pending_;
    uint32_t buffered_bytes_ = 0; // charged: payload + kPieceOverhead per piece
    uint64_t seen_end_ = 0;       // furthest stream offset any accepted segment reached
    DeliveredSegments recent_;    // the last pieces delivered, by range and hash
};

} // namespace egressmon::core
