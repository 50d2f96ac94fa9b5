#include "tcp_reassembler.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <new>

#include "packet.h"

// Call flow of onSegment():
//   1. Fix the stream start (SYN: ISN+1; otherwise the first segment with payload).
//   2. Map seq to a 64-bit stream offset relative to next_seq_ (serial-number arithmetic, so a
//      stream crossing 2^32 keeps increasing offsets). Data wholly before the delivered point is
//      a retransmission; a delivered head is trimmed; data too far ahead is dropped.
//   3. Walk the segment against pending_ (non-overlapping pieces keyed by offset, all beyond the
//      delivered point): held bytes win and are only compared; a hole at the delivered point is
//      handed to the consumer straight from the caller's buffer, other holes are copied.
//   4. Deliver the pending pieces now contiguous, then, while the direction's bound is exceeded,
//      drop the furthest-ahead pieces. (The worker-wide budget is checked before a piece is
//      held: over it, the piece is refused.) Holes are given up on only in onAck() and close().

namespace egressmon::core {

namespace {

using Pending = std::map<uint64_t, std::vector<uint8_t>>;

// The reassembler's mutable state for the length of one call, so the steps can be written as
// functions without widening the class's declared interface.
struct Stream {
    const ReassemblyConfig& config;
    ReassemblyBudget& budget;
    uint32_t& next_seq;
    uint64_t& delivered;
    Pending& pending;
    uint32_t& buffered;
    StreamConsumer& consumer;

    void deliver(const uint8_t* data, uint32_t len) noexcept {
        consumer.onData(data, len);
        delivered += len;
        next_seq += len;
        budget.delivered_bytes += len;
    }

    static uint32_t charge(size_t n) {
        return static_cast<uint32_t>(n) + TcpReassembler::kPieceOverhead;
    }

    void release(size_t n) noexcept {
        buffered -= charge(n);
        budget.bytes_held -= charge(n);
    }

    void deliverContiguous() noexcept {
        while (!pending.empty() && pending.begin()->first == delivered) {
            auto node = pending.extract(pending.begin()); // no allocation
            release(node.mapped().size());
            deliver(node.mapped().data(), static_cast<uint32_t>(node.mapped().size()));
        }
    }

    void skipFirstHole() noexcept {
        const uint64_t missing = pending.begin()->first - delivered;
        consumer.onGap(missing);
        ++budget.gaps;
        budget.gap_bytes += missing;
        delivered += missing;
        next_seq += static_cast<uint32_t>(missing);
        deliverContiguous();
    }

    // Over the direction's bound: drop from the far end, as a receiver's full buffer would.
    // Each drop is counted against the bound that forced it (two settings, two counters).
    void enforceBounds() noexcept {
        while (!pending.empty() &&
               (buffered > config.max_buffered_bytes || pending.size() > config.max_segments)) {
            ++(buffered > config.max_buffered_bytes ? budget.depth_exceeded
                                                    : budget.segments_exceeded);
            auto last = std::prev(pending.end());
            release(last->second.size());
            pending.erase(last);
        }
    }

    // Places [start, end) (start >= delivered), `data` holding its bytes; `trimmed` bytes of
    // the segment, before `start`, were already delivered.
    void place(uint64_t start, const uint8_t* data, uint64_t end, uint64_t trimmed) noexcept;
};

void Stream::place(uint64_t start, const uint8_t* data, uint64_t end, uint64_t trimmed) noexcept {
    bool overlap = trimmed != 0;
    bool conflict = false;
    uint64_t fresh = 0; // bytes not seen before
    uint64_t pos = start;
    while (pos < end) {
        const auto next = pending.upper_bound(pos);
        if (next != pending.begin()) {
            const auto held = std::prev(next);
            const uint64_t held_end = held->first + held->second.size();
            if (held_end > pos) { // first wins: compare, never replace
                const uint64_t n = std::min(end, held_end) - pos;
                if (std::memcmp(data + (pos - start), held->second.data() + (pos - held->first),
                                n) != 0) {
                    conflict = true;
                }
                overlap = true;
                pos += n;
                continue;
            }
        }
        const uint64_t hole_end = next == pending.end() ? end : std::min(end, next->first);
        const auto n = static_cast<uint32_t>(hole_end - pos);
        const uint8_t* piece = data + (pos - start);
        fresh += n;
        if (pos == delivered) {
            // In order: straight from the caller's buffer. Pending pieces that became contiguous
            // are delivered after the walk, so `next` stays valid.
            deliver(piece, n);
        } else if (budget.bytes_held + charge(n) > budget.max_bytes) {
            ++budget.budget_exceeded; // refused: the worker's out-of-order memory is spent
        } else {
            try {
                pending.emplace_hint(next, pos, std::vector<uint8_t>(piece, piece + n));
                buffered += charge(n);
                budget.bytes_held += charge(n);
            } catch (const std::bad_alloc&) {
                // Out of memory is the budget running out: the piece is lost, and the hole it
                // leaves is announced like any other when it is given up on.
                ++budget.budget_exceeded;
            }
        }
        pos = hole_end;
    }
    if (fresh == 0) budget.retransmitted_bytes += end - start + trimmed;
    // A segment that differs from held bytes counts as an overlap even when it brings nothing
    // new, so that overlap_conflicts stays a subset of overlaps.
    if (fresh != 0 ? overlap : conflict) ++budget.overlaps;
    if (conflict) ++budget.overlap_conflicts;
}

} // namespace

TcpReassembler::~TcpReassembler() {
    budget_.bytes_held -= buffered_bytes_;
}

void TcpReassembler::onSegment(uint32_t seq, const uint8_t* payload, uint32_t len, uint8_t flags,
                               StreamConsumer& consumer) noexcept {
    if (flags & tcpflag::kSyn) {
        if (!started_) {
            started_ = true;
            next_seq_ = seq + 1;
            delivered_ = 0;
        } else if (seq + 1 != next_seq_ - static_cast<uint32_t>(delivered_)) {
            return; // a SYN of another connection on the same ports: not this stream
        }
        ++seq; // the SYN occupies one sequence number; TFO data follows it
    }
    if (len == 0 || payload == nullptr) return; // pure ACK, bare FIN/RST: nothing to place
    if (!started_) {
        started_ = true; // mid-stream pickup
        next_seq_ = seq;
        delivered_ = 0;
    }
    ++budget_.segments;

    // int32 difference: RFC 1982 serial-number comparison (modular conversion since C++20).
    const auto diff = static_cast<int32_t>(seq - next_seq_);
    if (diff > static_cast<int64_t>(config_.max_ahead_bytes)) {
        ++budget_.ahead_exceeded;
        return;
    }
    const auto delivered = static_cast<int64_t>(delivered_);
    int64_t start = delivered + diff;
    const int64_t end = start + len;
    if (end <= delivered) {
        budget_.retransmitted_bytes += len; // already delivered, or before the picked-up start
        return;
    }
    int64_t trimmed = 0;
    if (start < delivered) { // delivered bytes are gone and cannot be compared: trim the head
        trimmed = delivered - start;
        payload += trimmed;
        start = delivered;
    }
    seen_end_ = std::max(seen_end_, static_cast<uint64_t>(end));
    Stream s{config_, budget_, next_seq_, delivered_, pending_, buffered_bytes_, consumer};
    s.place(static_cast<uint64_t>(start), payload, static_cast<uint64_t>(end),
            static_cast<uint64_t>(trimmed));
    s.deliverContiguous();
    s.enforceBounds();
}

void TcpReassembler::onAck(uint32_t ack, StreamConsumer& consumer) noexcept {
    if (!started_ || pending_.empty()) return;
    const auto diff = static_cast<int32_t>(ack - next_seq_);
    if (diff <= 0 || diff > static_cast<int64_t>(config_.max_ahead_bytes)) return;
    const uint64_t acked = delivered_ + static_cast<uint64_t>(diff);
    // Only holes in front of data we hold: a forged ACK cannot move the stream past real bytes.
    Stream s{config_, budget_, next_seq_, delivered_, pending_, buffered_bytes_, consumer};
    while (!pending_.empty() && pending_.begin()->first < acked)
        s.skipFirstHole();
}

void TcpReassembler::close(StreamConsumer& consumer) noexcept {
    Stream s{config_, budget_, next_seq_, delivered_, pending_, buffered_bytes_, consumer};
    while (!pending_.empty())
        s.skipFirstHole();
    if (seen_end_ > delivered_) { // seen, but dropped or never completed: say it is missing
        const uint64_t missing = seen_end_ - delivered_;
        consumer.onGap(missing);
        ++budget_.gaps;
        budget_.gap_bytes += missing;
        delivered_ += missing;
        next_seq_ += static_cast<uint32_t>(missing);
    }
}

} // namespace egressmon::core
