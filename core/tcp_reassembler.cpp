#include "tcp_reassembler.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <iterator>
#include <new>

#include "hash_mix.h"
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
//   Every piece delivered is remembered (range, hash) in a small ring, so that a later segment
//   wholly inside the delivered stream can still be told a conflict when it repeats exactly one
//   of those ranges with other bytes.

namespace egressmon::core {

namespace {

using Pending = std::map<uint64_t, std::vector<uint8_t>>;

// Hash of a delivered piece: wyhash-style rounds, each multiplying two 64-bit words into 128 bits
// and folding the halves, over three independent lanes (48 bytes per step) so that hashing keeps
// pace with delivery; the length and a final mix64 end it. The keys are drawn per process (start
// time, where the code was loaded) and enter every multiplication, so which byte strings collide
// cannot be worked out from the source alone. Not cryptographic.
__extension__ using Uint128 = unsigned __int128;

struct PieceHashKeys {
    uint64_t k[3];
};

PieceHashKeys makePieceHashKeys() noexcept {
    const uint64_t base =
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        reinterpret_cast<uintptr_t>(&makePieceHashKeys);
    return {{mix64(base + 1), mix64(base + 2), mix64(base + 3)}};
}

const PieceHashKeys kPieceHash = makePieceHashKeys();

inline uint64_t foldMultiply(uint64_t a, uint64_t b) noexcept {
    const Uint128 r = static_cast<Uint128>(a) * b;
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

uint64_t hashPiece(const uint8_t* p, uint32_t n) noexcept {
    const uint64_t* k = kPieceHash.k;
    uint64_t a = k[0], b = k[1], c = k[2];
    const auto step = [&](const uint8_t* q) {
        a = foldMultiply(load64(q) ^ k[1], load64(q + 8) ^ a);
        b = foldMultiply(load64(q + 16) ^ k[2], load64(q + 24) ^ b);
        c = foldMultiply(load64(q + 32) ^ k[0], load64(q + 40) ^ c);
    };
    uint32_t i = 0;
    for (; n - i >= 48; i += 48)
        step(p + i);
    if (i < n) { // zero-padded tail: the length below keeps "ab" and "ab\0" apart
        uint8_t tail[48] = {};
        std::memcpy(tail, p + i, n - i);
        step(tail);
    }
    return mix64(a ^ std::rotl(b, 21) ^ std::rotl(c, 43) ^ n);
}

// The reassembler's mutable state for the length of one call, so the steps can be written as
// functions without widening the class's declared interface.
struct Stream {
    const ReassemblyConfig& config;
    ReassemblyBudget& budget;
    uint32_t& next_seq;
    uint64_t& delivered;
    Pending& pending;
    uint32_t& buffered;
    DeliveredSegments& recent;
    StreamConsumer& consumer;

    void deliver(const uint8_t* data, uint32_t len) noexcept {
        recent.remember(delivered, data, len);
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
    // Nothing new and nothing different: a plain retransmission. With different bytes it is a
    // conflict instead (counted below), never a retransmission.
    if (fresh == 0 && !conflict) budget.retransmitted_bytes += end - start + trimmed;
    // A segment that differs from held bytes counts as an overlap even when it brings nothing
    // new, so that overlap_conflicts stays a subset of overlaps.
    if (fresh != 0 ? overlap : conflict) ++budget.overlaps;
    if (conflict) ++budget.overlap_conflicts;
}

} // namespace

void DeliveredSegments::remember(uint64_t start, const uint8_t* data, uint32_t len) noexcept {
    entries_[next_] = {static_cast<uint32_t>(start), len, hashPiece(data, len)};
    next_ = static_cast<uint8_t>((next_ + 1) % kCount);
}

DeliveredSegments::Match DeliveredSegments::compare(uint64_t start, const uint8_t* data,
                                                    uint32_t len) const noexcept {
    for (const Entry& e : entries_) {
        if (e.len == len && len != 0 && e.start == static_cast<uint32_t>(start))
            return e.hash == hashPiece(data, len) ? Match::kSame : Match::kDifferent;
    }
    return Match::kUnknown;
}

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
    if (end <= delivered) { // already delivered, or before the picked-up start
        // Exactly a recently delivered piece with other bytes: a conflict. Anything else cannot
        // be compared and counts as a retransmission.
        if (start >= 0 && recent_.compare(static_cast<uint64_t>(start), payload, len) ==
                              DeliveredSegments::Match::kDifferent) {
            ++budget_.overlaps;
            ++budget_.overlap_conflicts;
            return;
        }
        budget_.retransmitted_bytes += len;
        return;
    }
    int64_t trimmed = 0;
    if (start < delivered) { // delivered bytes are gone and cannot be compared: trim the head
        trimmed = delivered - start;
        payload += trimmed;
        start = delivered;
    }
    seen_end_ = std::max(seen_end_, static_cast<uint64_t>(end));
    Stream s{config_, budget_, next_seq_, delivered_, pending_, buffered_bytes_, recent_, consumer};
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
    Stream s{config_, budget_, next_seq_, delivered_, pending_, buffered_bytes_, recent_, consumer};
    while (!pending_.empty() && pending_.begin()->first < acked)
        s.skipFirstHole();
}

void TcpReassembler::close(StreamConsumer& consumer) noexcept {
    Stream s{config_, budget_, next_seq_, delivered_, pending_, buffered_bytes_, recent_, consumer};
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
