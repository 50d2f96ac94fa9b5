#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/packet.h"
#include "core/tcp_reassembler.h"

using namespace egressmon::core;

namespace {

// Records the stream as a string, each gap as "<GAP n>".
struct Recorder : StreamConsumer {
    std::string out;
    void onData(const uint8_t* data, uint32_t len) noexcept override {
        EXPECT_GT(len, 0u);
        out.append(reinterpret_cast<const char*>(data), len);
    }
    void onGap(uint64_t missing) noexcept override {
        EXPECT_GT(missing, 0u);
        out += "<GAP " + std::to_string(missing) + ">";
    }
};

// Feeds `text` as one segment. The copy is destroyed on return, as a capture buffer would be
// reused, so the reassembler must have copied anything it keeps.
void feed(TcpReassembler& r, Recorder& rec, uint32_t seq, const std::string& text,
          uint8_t flags = tcpflag::kAck) {
    std::vector<uint8_t> bytes(text.begin(), text.end());
    r.onSegment(seq, bytes.empty() ? nullptr : bytes.data(), static_cast<uint32_t>(bytes.size()),
                flags, rec);
}

std::string message(size_t n) {
    std::string m;
    for (size_t i = 0; i < n; ++i)
        m += static_cast<char>('a' + (i * 7 + i / 26) % 26);
    return m;
}

struct Segment {
    uint32_t offset;
    std::string bytes;
};

// Feeds the segments (offsets relative to `isn + 1`) after a SYN, closes, returns the output.
std::string run(const std::vector<Segment>& segs, uint32_t isn, const ReassemblyConfig& cfg,
                ReassemblyBudget& budget) {
    Recorder rec;
    {
        TcpReassembler r(cfg, budget);
        feed(r, rec, isn, "", tcpflag::kSyn);
        for (const auto& s : segs)
            feed(r, rec, isn + 1 + s.offset, s.bytes);
        r.close(rec);
        EXPECT_EQ(r.bufferedBytes(), 0u);
    }
    EXPECT_EQ(budget.bytes_held, 0u);
    return rec.out;
}

std::string run(const std::vector<Segment>& segs, uint32_t isn = 1000) {
    ReassemblyConfig cfg;
    ReassemblyBudget budget;
    return run(segs, isn, cfg, budget);
}

std::vector<Segment> split(const std::string& m, const std::vector<size_t>& cuts) {
    std::vector<Segment> segs;
    size_t from = 0;
    for (size_t cut : cuts) {
        segs.push_back({static_cast<uint32_t>(from), m.substr(from, cut - from)});
        from = cut;
    }
    segs.push_back({static_cast<uint32_t>(from), m.substr(from)});
    return segs;
}

// What holding one piece is charged beyond its payload.
constexpr uint32_t kCost = TcpReassembler::kPieceOverhead;

class TcpReassemblerTest : public ::testing::Test {
  protected:
    ReassemblyConfig cfg_;
    ReassemblyBudget budget_;
    Recorder rec_;
};

} // namespace

TEST_F(TcpReassemblerTest, InOrder) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 100, "hello ");
    feed(r, rec_, 106, "world");
    EXPECT_EQ(rec_.out, "hello world");
    EXPECT_EQ(r.deliveredBytes(), 11u);
    EXPECT_EQ(budget_.segments, 2u);
    EXPECT_EQ(budget_.delivered_bytes, 11u);
    EXPECT_EQ(budget_.bytes_held, 0u);
}

TEST_F(TcpReassemblerTest, ReversedOrder) {
    const std::string m = message(40);
    auto segs = split(m, {10, 20, 30});
    std::reverse(segs.begin(), segs.end());
    EXPECT_EQ(run(segs), m);
}

TEST_F(TcpReassemblerTest, RandomPermutationsWithDuplicates) {
    const std::string m = message(3000);
    std::mt19937 rng(12345);
    for (int round = 0; round < 50; ++round) {
        std::vector<Segment> segs;
        for (size_t at = 0; at < m.size();) {
            const size_t n = std::min<size_t>(m.size() - at, 1 + rng() % 200);
            segs.push_back({static_cast<uint32_t>(at), m.substr(at, n)});
            at += n;
        }
        const size_t unique = segs.size();
        for (size_t i = 0; i < unique / 4; ++i)
            segs.push_back(segs[rng() % unique]);
        std::shuffle(segs.begin(), segs.end(), rng);
        ReassemblyConfig cfg;
        ReassemblyBudget budget;
        EXPECT_EQ(run(segs, static_cast<uint32_t>(rng()), cfg, budget), m) << "round " << round;
        EXPECT_EQ(budget.delivered_bytes, m.size());
        EXPECT_EQ(budget.gaps, 0u);
        EXPECT_EQ(budget.overlap_conflicts, 0u);
        EXPECT_GT(budget.retransmitted_bytes, 0u);
    }
}

TEST_F(TcpReassemblerTest, DuplicateOfBufferedSegment) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0, "ab");
    feed(r, rec_, 4, "ef");
    feed(r, rec_, 4, "ef");
    EXPECT_EQ(r.bufferedBytes(), 2u + kCost);
    EXPECT_EQ(budget_.retransmitted_bytes, 2u);
    EXPECT_EQ(budget_.overlaps, 0u);
    feed(r, rec_, 2, "cd");
    EXPECT_EQ(rec_.out, "abcdef");
    EXPECT_EQ(budget_.bytes_held, 0u);
}

TEST_F(TcpReassemblerTest, RetransmissionOfDeliveredData) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 500, "hello");
    feed(r, rec_, 500, "hello");
    feed(r, rec_, 501, "XXX"); // different bytes, but delivered bytes cannot be replaced
    feed(r, rec_, 505, "!");
    EXPECT_EQ(rec_.out, "hello!");
    EXPECT_EQ(budget_.retransmitted_bytes, 8u);
    EXPECT_EQ(budget_.overlaps, 0u);
}

TEST_F(TcpReassemblerTest, OverlapWithDeliveredIsTrimmed) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0, "hello");
    feed(r, rec_, 3, "LOworld");
    EXPECT_EQ(rec_.out, "helloworld");
    EXPECT_EQ(budget_.overlaps, 1u);
    EXPECT_EQ(budget_.overlap_conflicts, 0u); // delivered bytes are gone: not comparable
    EXPECT_EQ(budget_.retransmitted_bytes, 0u);
}

TEST_F(TcpReassemblerTest, OverlapSameBytes) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0, "ab");
    feed(r, rec_, 4, "efgh");
    feed(r, rec_, 2, "cdef"); // covers the hole and two held bytes
    EXPECT_EQ(rec_.out, "abcdefgh");
    EXPECT_EQ(budget_.overlaps, 1u);
    EXPECT_EQ(budget_.overlap_conflicts, 0u);
    EXPECT_EQ(budget_.bytes_held, 0u);
}

TEST_F(TcpReassemblerTest, OverlapDifferentBytesFirstWins) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0, "ab");
    feed(r, rec_, 4, "EF");
    feed(r, rec_, 8, "IJ");
    // Fills both holes, disagrees with the held bytes: the held ones stay.
    feed(r, rec_, 2, "cdxxghxxkl");
    EXPECT_EQ(rec_.out, "abcdEFghIJkl");
    EXPECT_EQ(budget_.overlaps, 1u);
    EXPECT_EQ(budget_.overlap_conflicts, 1u);
    // A full copy of held bytes with different content is an overlap with conflict too, and
    // not a retransmission.
    feed(r, rec_, 20, "QR");
    feed(r, rec_, 20, "qr");
    EXPECT_EQ(budget_.overlaps, 2u);
    EXPECT_EQ(budget_.overlap_conflicts, 2u);
    EXPECT_EQ(budget_.retransmitted_bytes, 0u);
    r.close(rec_);
    EXPECT_EQ(rec_.out, "abcdEFghIJkl<GAP 8>QR");
}

TEST_F(TcpReassemblerTest, LaterSegmentOnlyFillsHolesBetweenHeldOnes) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 10, "_");    // mid-stream start at 10
    feed(r, rec_, 13, "D");    // held
    feed(r, rec_, 15, "F");    // held
    feed(r, rec_, 12, "cxex"); // fills 12 and 14, conflicts at 13 and 15
    EXPECT_EQ(rec_.out, "_");
    feed(r, rec_, 11, "b");
    EXPECT_EQ(rec_.out, "_bcDeF");
    EXPECT_EQ(budget_.overlap_conflicts, 1u);
}

TEST_F(TcpReassemblerTest, SequenceWrapAround) {
    const std::string m = message(64);
    const uint32_t isn = 0xFFFFFFF0u; // data starts at 0xFFFFFFF1 and crosses 2^32
    EXPECT_EQ(run(split(m, {8, 15, 16, 40}), isn), m);
    auto segs = split(m, {8, 15, 16, 40});
    std::reverse(segs.begin(), segs.end());
    EXPECT_EQ(run(segs, isn), m);
    std::swap(segs[1], segs[3]);
    EXPECT_EQ(run(segs, isn), m);
}

TEST_F(TcpReassemblerTest, WrapAroundWithHoleAtTheBoundary) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0xFFFFFFFCu, "abcd"); // ends exactly at 2^32
    feed(r, rec_, 4, "ef");             // 4 bytes missing after the wrap
    feed(r, rec_, 0xFFFFFFFEu, "cd");   // retransmission across the wrap point
    r.close(rec_);
    EXPECT_EQ(rec_.out, "abcd<GAP 4>ef");
    EXPECT_EQ(r.deliveredBytes(), 10u);
    EXPECT_EQ(budget_.retransmitted_bytes, 2u);
}

TEST_F(TcpReassemblerTest, MidStreamPickup) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 7777, "", tcpflag::kAck);                 // pure ACK: does not start
    feed(r, rec_, 7000, "", tcpflag::kFin | tcpflag::kAck); // bare FIN: does not start
    feed(r, rec_, 123456, "middle");
    feed(r, rec_, 123450, "early "); // before the picked-up start: too late
    feed(r, rec_, 123462, " end", tcpflag::kFin | tcpflag::kAck);
    EXPECT_EQ(rec_.out, "middle end");
    EXPECT_EQ(budget_.retransmitted_bytes, 6u);
}

TEST_F(TcpReassemblerTest, SynThenData) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 41, "", tcpflag::kSyn);
    feed(r, rec_, 42, "GET /");
    feed(r, rec_, 41, "", tcpflag::kSyn);  // retransmitted SYN
    feed(r, rec_, 900, "", tcpflag::kSyn); // another connection's SYN: ignored
    feed(r, rec_, 47, " HTTP/1.1");
    EXPECT_EQ(rec_.out, "GET / HTTP/1.1");
    EXPECT_EQ(budget_.segments, 2u);
}

TEST_F(TcpReassemblerTest, SynWithDataStartsAtIsnPlusOne) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0xFFFFFFFFu, "fast", tcpflag::kSyn); // TFO; data at seq 0 after the wrap
    feed(r, rec_, 4, " open");
    feed(r, rec_, 0xFFFFFFFFu, "fast", tcpflag::kSyn); // retransmitted SYN with data
    EXPECT_EQ(rec_.out, "fast open");
    EXPECT_EQ(budget_.retransmitted_bytes, 4u);
}

TEST_F(TcpReassemblerTest, HoleNeverFilledIsAnnouncedAtClose) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0, "abc");
    feed(r, rec_, 6, "ghi");
    feed(r, rec_, 12, "mn");
    EXPECT_EQ(rec_.out, "abc");
    EXPECT_EQ(r.bufferedBytes(), 5u + 2 * kCost);
    EXPECT_EQ(budget_.bytes_held, 5u + 2 * kCost);
    r.close(rec_);
    EXPECT_EQ(rec_.out, "abc<GAP 3>ghi<GAP 3>mn");
    EXPECT_EQ(budget_.gaps, 2u);
    EXPECT_EQ(budget_.gap_bytes, 6u);
    EXPECT_EQ(budget_.depth_exceeded, 0u);
    EXPECT_EQ(r.bufferedBytes(), 0u);
    EXPECT_EQ(budget_.bytes_held, 0u);
    EXPECT_EQ(r.deliveredBytes(), 14u);
}

TEST_F(TcpReassemblerTest, FullBufferDropsTheFurthestPiecesNotTheHole) {
    cfg_.max_buffered_bytes = 2 * kCost + 10; // room for two small pieces
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0, "abc");
    feed(r, rec_, 10, "KLMNO");
    feed(r, rec_, 15, "PQRS"); // two pieces: 9 bytes + 2 * kCost, within the bound
    feed(r, rec_, 100, "far"); // third piece: over the bound, the furthest goes
    EXPECT_EQ(budget_.depth_exceeded, 1u);
    EXPECT_EQ(budget_.segments_exceeded, 0u);
    EXPECT_EQ(r.bufferedBytes(), 9u + 2 * kCost);
    // The hole is NOT given up on: the stream keeps its place for the real bytes.
    EXPECT_EQ(rec_.out, "abc");
    feed(r, rec_, 3, "defghij");
    EXPECT_EQ(rec_.out, "abcdefghijKLMNOPQRS");
    r.close(rec_);
    EXPECT_EQ(rec_.out, "abcdefghijKLMNOPQRS<GAP 84>"); // "far" was seen, then dropped
    EXPECT_EQ(budget_.bytes_held, 0u);
}

TEST_F(TcpReassemblerTest, FloodOfTinyFarAheadSegmentsCannotHideInOrderData) {
    cfg_.max_segments = 16;
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0, "x");
    for (uint32_t i = 0; i < 5000; ++i)
        feed(r, rec_, 1'000'000 + 2 * i, "z");
    feed(r, rec_, 1, "TOP SECRET"); // the real data, in order
    EXPECT_EQ(rec_.out, "xTOP SECRET");
    // 16 one-byte pieces stay far below max_buffered_bytes: the segment bound did the dropping.
    EXPECT_EQ(budget_.segments_exceeded, 5000u - 16u);
    EXPECT_EQ(budget_.depth_exceeded, 0u);
    EXPECT_EQ(budget_.gaps, 0u);
}

TEST_F(TcpReassemblerTest, MaxSegmentsBoundsHeldPieces) {
    cfg_.max_segments = 2;
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 100, "", tcpflag::kSyn);
    feed(r, rec_, 103, "x");
    feed(r, rec_, 105, "y");
    feed(r, rec_, 107, "z"); // third held piece: the furthest (z) is dropped
    EXPECT_EQ(rec_.out, "");
    EXPECT_EQ(budget_.segments_exceeded, 1u); // counted against max_segments, not the bytes
    EXPECT_EQ(budget_.depth_exceeded, 0u);
    r.close(rec_);
    EXPECT_EQ(rec_.out, "<GAP 2>x<GAP 1>y<GAP 2>");
    EXPECT_EQ(budget_.gaps, 3u);
}

TEST_F(TcpReassemblerTest, AckPastAHoleGivesItUpButOnlyUpToHeldData) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0, "abc");
    feed(r, rec_, 10, "klm");
    r.onAck(5, rec_); // the receiver has bytes we never saw, but nothing held lies before 5
    EXPECT_EQ(rec_.out, "abc");
    r.onAck(13, rec_); // it acknowledges past the hole: capture loss
    EXPECT_EQ(rec_.out, "abc<GAP 7>klm");
    EXPECT_EQ(budget_.gaps, 1u);
    // A forged ACK far beyond held data cannot move the stream: nothing is held now.
    r.onAck(5000, rec_);
    feed(r, rec_, 13, "nop");
    EXPECT_EQ(rec_.out, "abc<GAP 7>klmnop");
}

TEST_F(TcpReassemblerTest, WorkerBudgetRefusesNewPiecesWithoutHurtingOthers) {
    budget_.max_bytes = 2 * (6 + kCost);
    TcpReassembler a(cfg_, budget_);
    TcpReassembler b(cfg_, budget_);
    Recorder ra, rb;
    feed(a, ra, 0, "A");
    feed(a, ra, 5, "aaaaaa");
    feed(b, rb, 0, "B");
    feed(b, rb, 3, "bbbbbb");
    EXPECT_EQ(budget_.bytes_held, 2 * (6 + kCost));
    feed(b, rb, 20, "cccccc"); // over the worker budget: refused, nothing else disturbed
    EXPECT_EQ(budget_.budget_exceeded, 1u);
    EXPECT_EQ(ra.out, "A");
    EXPECT_EQ(rb.out, "B");
    feed(a, ra, 1, "1234");
    EXPECT_EQ(ra.out, "A1234aaaaaa");
    feed(b, rb, 1, "12");
    EXPECT_EQ(rb.out, "B12bbbbbb");
    EXPECT_EQ(budget_.bytes_held, 0u);
}

TEST_F(TcpReassemblerTest, FarAwaySegmentIsIgnored) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 1000, "abc");
    feed(r, rec_, 1003 + (100u << 20), "bogus"); // 100 MiB ahead
    feed(r, rec_, 1003 + (3u << 30), "bogus");   // 1 GiB behind (serial arithmetic)
    EXPECT_EQ(r.bufferedBytes(), 0u);
    EXPECT_EQ(budget_.bytes_held, 0u);
    feed(r, rec_, 1003, "def");
    r.close(rec_);
    EXPECT_EQ(rec_.out, "abcdef");
    EXPECT_EQ(budget_.ahead_exceeded, 1u); // counted under its own bound
    EXPECT_EQ(budget_.depth_exceeded, 0u);
    EXPECT_EQ(budget_.retransmitted_bytes, 5u);
    EXPECT_EQ(budget_.gaps, 0u);
}

// reassembly.max-ahead-bytes: a segment starting exactly the bound ahead of the delivered point
// is held; one byte further is dropped and counted. ACKs obey the same window.
TEST_F(TcpReassemblerTest, AheadBoundJustAbove) {
    cfg_.max_ahead_bytes = 100000;
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 1000, "abc"); // delivered point: 1003
    feed(r, rec_, 1003 + 99999, "b");
    feed(r, rec_, 1003 + 100000, "a");
    feed(r, rec_, 1003 + 100001, "x");
    EXPECT_EQ(budget_.ahead_exceeded, 1u);
    EXPECT_EQ(r.bufferedBytes(), 2u + 2 * kCost);
    r.onAck(1003 + 100001, rec_); // past the window: no hole given up
    EXPECT_EQ(rec_.out, "abc");
    r.onAck(1003 + 100000, rec_); // within: the hole before the held bytes is capture loss
    EXPECT_EQ(rec_.out, "abc<GAP 99999>ba");
    r.close(rec_);
    EXPECT_EQ(budget_.depth_exceeded, 0u);
}

TEST_F(TcpReassemblerTest, SplitEverywhere) {
    const std::string m = message(257);
    for (uint32_t isn : {1000u, 0xFFFFFF80u}) { // the second crosses 2^32 mid-message
        ASSERT_EQ(run({{0, m}}, isn), m);
        for (size_t cut = 1; cut < m.size(); ++cut) {
            auto segs = split(m, {cut});
            ASSERT_EQ(run(segs, isn), m) << "cut " << cut;
            std::swap(segs[0], segs[1]);
            ASSERT_EQ(run(segs, isn), m) << "cut " << cut << " reversed";
        }
        std::vector<size_t> every(m.size() - 1);
        std::iota(every.begin(), every.end(), 1);
        auto bytes = split(m, every);
        ASSERT_EQ(run(bytes, isn), m);
        std::reverse(bytes.begin(), bytes.end());
        ReassemblyConfig big;
        big.max_segments = static_cast<uint32_t>(m.size());
        ReassemblyBudget budget;
        ASSERT_EQ(run(bytes, isn, big, budget), m);
        EXPECT_EQ(budget.depth_exceeded, 0u);
    }
}

TEST_F(TcpReassemblerTest, BudgetReturnedOnDestruction) {
    {
        TcpReassembler r(cfg_, budget_);
        feed(r, rec_, 0, "a");
        feed(r, rec_, 10, "held");
        feed(r, rec_, 20, "more");
        EXPECT_EQ(budget_.bytes_held, 8u + 2 * kCost);
    }
    EXPECT_EQ(budget_.bytes_held, 0u);
    EXPECT_EQ(rec_.out, "a");
}

// A retransmission of a held (not yet delivered) range with other bytes is a conflict, not a
// retransmission; the held bytes stay (first wins).
TEST_F(TcpReassemblerTest, ConflictingRetransmissionOfHeldRange) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0, "ab");
    feed(r, rec_, 4, "efgh"); // held behind the hole at 2
    feed(r, rec_, 4, "EFGH");
    EXPECT_EQ(budget_.overlaps, 1u);
    EXPECT_EQ(budget_.overlap_conflicts, 1u);
    EXPECT_EQ(budget_.retransmitted_bytes, 0u);
    feed(r, rec_, 2, "cd");
    EXPECT_EQ(rec_.out, "abcdefgh");
}

// Delivered bytes are gone, but the last few delivered segments are remembered by range and
// hash: a retransmission of exactly such a range with other bytes is a conflict.
TEST_F(TcpReassemblerTest, ConflictingRetransmissionOfDeliveredRange) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 1000, "hello ");
    feed(r, rec_, 1006, "world");
    feed(r, rec_, 1006, "WORLD"); // the last delivered segment, other bytes
    EXPECT_EQ(budget_.overlaps, 1u);
    EXPECT_EQ(budget_.overlap_conflicts, 1u);
    EXPECT_EQ(budget_.retransmitted_bytes, 0u);
    feed(r, rec_, 1000, "HELLO "); // an older one, still remembered
    EXPECT_EQ(budget_.overlap_conflicts, 2u);
    EXPECT_EQ(budget_.overlaps, 2u);
    EXPECT_EQ(budget_.retransmitted_bytes, 0u);
    EXPECT_EQ(rec_.out, "hello world"); // first wins: nothing delivered again
}

// A held piece delivered later (when the hole before it fills) is remembered too.
TEST_F(TcpReassemblerTest, ConflictingRetransmissionOfPieceDeliveredFromHeld) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0, "ab");
    feed(r, rec_, 4, "ef");
    feed(r, rec_, 2, "cd");
    EXPECT_EQ(rec_.out, "abcdef");
    feed(r, rec_, 4, "EF");
    EXPECT_EQ(budget_.overlap_conflicts, 1u);
    feed(r, rec_, 2, "cd"); // same bytes
    EXPECT_EQ(budget_.overlap_conflicts, 1u);
    EXPECT_EQ(budget_.retransmitted_bytes, 2u);
}

// Identical retransmissions of delivered and of held ranges stay retransmitted_bytes.
TEST_F(TcpReassemblerTest, IdenticalRetransmissionIsNotAConflict) {
    TcpReassembler r(cfg_, budget_);
    feed(r, rec_, 0, "hello");
    feed(r, rec_, 5, "world");
    feed(r, rec_, 10, "!!"); // delivered
    feed(r, rec_, 20, "held");
    feed(r, rec_, 5, "world");
    feed(r, rec_, 20, "held");
    feed(r, rec_, 0, "hello");
    EXPECT_EQ(budget_.retransmitted_bytes, 14u);
    EXPECT_EQ(budget_.overlaps, 0u);
    EXPECT_EQ(budget_.overlap_conflicts, 0u);
}

// What is not detected: a delivered range no longer among the last kDeliveredRecords delivered
// segments, or a retransmission that does not match a delivered segment's range exactly.
TEST_F(TcpReassemblerTest, DeliveredRecordIsBounded) {
    TcpReassembler r(cfg_, budget_);
    uint32_t seq = 0;
    for (size_t i = 0; i <= TcpReassembler::kDeliveredRecords; ++i, seq += 4)
        feed(r, rec_, seq, "abcd");
    feed(r, rec_, 0, "ABCD");  // the oldest: forgotten
    feed(r, rec_, 5, "BC");    // inside a remembered segment, not its exact range
    feed(r, rec_, 4, "ABCDE"); // across two remembered segments
    EXPECT_EQ(budget_.overlap_conflicts, 0u);
    EXPECT_EQ(budget_.retransmitted_bytes, 11u);
    feed(r, rec_, seq - 4, "ABCD"); // the newest: caught
    EXPECT_EQ(budget_.overlap_conflicts, 1u);
    EXPECT_LE(budget_.overlap_conflicts, budget_.overlaps);
}
