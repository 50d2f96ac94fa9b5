#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture/ip_defragmenter.h"

namespace egressmon::capture {
namespace {

using Bytes = std::vector<uint8_t>;

// A fragment as the decoder would hand it over: the frame starts with the IP header.
struct Frag {
    Bytes frame;
    FragmentInfo info;
};

struct Ipv4Opts {
    std::string src = "10.0.0.1";
    std::string dst = "10.0.0.2";
    uint8_t proto = 17;
    uint16_t vlan = 0;
    Bytes options; // multiple of 4 bytes
    bool df = false;
};

core::IpAddress addr(const std::string& text) {
    return *core::IpAddress::parse(text);
}

uint16_t get16(const uint8_t* p) {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

void put16(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

uint32_t onesSum(const uint8_t* p, size_t len) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

bool ipv4ChecksumValid(std::span<const uint8_t> dgram) {
    return onesSum(dgram.data(), (dgram[0] & 0x0f) * 4u) == 0xffff;
}

Bytes pattern(size_t n, uint8_t salt = 0) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = static_cast<uint8_t>(i * 7 + (i >> 8) + salt);
    return b;
}

Frag v4Frag(uint32_t id, uint32_t offset, bool more, const uint8_t* data, size_t len,
            const Ipv4Opts& o = {}) {
    const uint32_t hl = 20 + static_cast<uint32_t>(o.options.size());
    Frag f;
    f.frame.assign(hl, 0);
    uint8_t* h = f.frame.data();
    h[0] = static_cast<uint8_t>(0x40 | (hl / 4));
    put16(h + 2, static_cast<uint32_t>(hl + len) & 0xffff);
    put16(h + 4, id);
    put16(h + 6, (o.df ? 0x4000 : 0) | (more ? 0x2000 : 0) | (offset / 8));
    h[8] = 64;
    h[9] = o.proto;
    const auto src = addr(o.src), dst = addr(o.dst);
    std::copy_n(src.bytes().data(), 4, h + 12);
    std::copy_n(dst.bytes().data(), 4, h + 16);
    std::copy(o.options.begin(), o.options.end(), h + 20);
    put16(h + 10, ~onesSum(h, hl) & 0xffff);
    f.frame.insert(f.frame.end(), data, data + len);

    FragmentInfo& i = f.info;
    i.ip_version = 4;
    i.src_ip = src;
    i.dst_ip = dst;
    i.id = id;
    i.next_proto = o.proto;
    i.vlan_id = o.vlan;
    i.frag_offset = offset;
    i.more_fragments = more;
    i.ip_header_offset = 0;
    i.ip_header_len = hl;
    i.data_offset = hl;
    i.data_len = static_cast<uint32_t>(len);
    return f;
}

Frag v6Frag(uint32_t id, uint32_t offset, bool more, const uint8_t* data, size_t len,
            uint8_t proto = 17) {
    Frag f;
    f.frame.assign(48, 0);
    uint8_t* h = f.frame.data();
    h[0] = 0x60;
    put16(h + 4, static_cast<uint32_t>(8 + len));
    h[6] = 44; // Fragment header follows
    h[7] = 64;
    const auto src = addr("2001:db8::1"), dst = addr("2001:db8::2");
    std::copy_n(src.bytes().data(), 16, h + 8);
    std::copy_n(dst.bytes().data(), 16, h + 24);
    h[40] = proto;
    put16(h + 42, offset | (more ? 1 : 0));
    h[44] = static_cast<uint8_t>(id >> 24);
    h[45] = static_cast<uint8_t>(id >> 16);
    h[46] = static_cast<uint8_t>(id >> 8);
    h[47] = static_cast<uint8_t>(id);
    f.frame.insert(f.frame.end(), data, data + len);

    FragmentInfo& i = f.info;
    i.ip_version = 6;
    i.src_ip = src;
    i.dst_ip = dst;
    i.id = id;
    i.next_proto = proto;
    i.frag_offset = offset;
    i.more_fragments = more;
    i.ip_header_offset = 0;
    i.ip_header_len = 40;
    i.data_offset = 48;
    i.data_len = static_cast<uint32_t>(len);
    return f;
}

// Splits `payload` into IPv4 fragments of `step` bytes (a multiple of 8).
std::vector<Frag> splitV4(uint32_t id, const Bytes& payload, size_t step, const Ipv4Opts& o = {}) {
    std::vector<Frag> out;
    for (size_t off = 0; off < payload.size(); off += step) {
        const size_t len = std::min(step, payload.size() - off);
        Ipv4Opts fo = o;
        if (off != 0) fo.options.clear(); // options without the copy bit stay in the first
        out.push_back(v4Frag(id, static_cast<uint32_t>(off), off + len < payload.size(),
                             payload.data() + off, len, fo));
    }
    return out;
}

std::span<const uint8_t> add(IpDefragmenter& d, const Frag& f, uint64_t now = 1'000'000) {
    return d.add(f.info, f.frame.data(), now);
}

Bytes payloadOf(std::span<const uint8_t> dgram) {
    if (dgram.empty()) return {};
    const size_t hl = (dgram[0] >> 4) == 6 ? 40 : (dgram[0] & 0x0f) * 4u;
    return Bytes(dgram.begin() + static_cast<ptrdiff_t>(hl), dgram.end());
}

void expectEmpty(const IpDefragmenter& d) {
    EXPECT_EQ(d.datagramsInProgress(), 0u);
    EXPECT_EQ(d.bytesHeld(), 0u);
}

// Feeds all fragments; only the last one may complete. Returns the rebuilt datagram.
Bytes feedAll(IpDefragmenter& d, const std::vector<Frag>& frags, uint64_t now = 1'000'000) {
    for (size_t i = 0; i + 1 < frags.size(); ++i) {
        EXPECT_TRUE(add(d, frags[i], now).empty()) << "completed early at fragment " << i;
    }
    auto out = add(d, frags.back(), now);
    return Bytes(out.begin(), out.end());
}

TEST(IpDefragmenter, InOrderIpv4FragmentsReassemble) {
    IpDefragmenter d;
    const Bytes payload = pattern(3000);
    const auto frags = splitV4(0x1234, payload, 1480);
    ASSERT_EQ(frags.size(), 3u);
    const Bytes out = feedAll(d, frags);
    ASSERT_EQ(out.size(), 20 + payload.size());
    EXPECT_EQ(payloadOf(out), payload);
    EXPECT_EQ(d.counters().fragments, 3u);
    EXPECT_EQ(d.counters().reassembled, 1u);
    EXPECT_EQ(d.counters().overlaps, 0u);
    expectEmpty(d);
}

TEST(IpDefragmenter, RebuiltIpv4HeaderHasTotalLengthClearedFragmentFieldsAndValidChecksum) {
    IpDefragmenter d;
    const Bytes payload = pattern(2000);
    const auto frags = splitV4(77, payload, 1000);
    const Bytes out = feedAll(d, frags);
    ASSERT_EQ(out.size(), 2020u);
    EXPECT_EQ(get16(&out[2]), 2020u);
    EXPECT_EQ(get16(&out[4]), 77u);         // identification kept
    EXPECT_EQ(get16(&out[6]) & 0x3fff, 0u); // MF and offset cleared
    EXPECT_EQ(out[9], 17u);
    EXPECT_TRUE(ipv4ChecksumValid(out));
    // Everything else is the first fragment's header.
    for (size_t i : {0u, 1u, 8u, 12u, 13u, 14u, 15u, 16u, 17u, 18u, 19u})
        EXPECT_EQ(out[i], frags[0].frame[i]) << "header byte " << i;
}

TEST(IpDefragmenter, DontFragmentBitIsKept) {
    IpDefragmenter d;
    Ipv4Opts o;
    o.df = true;
    const Bytes out = feedAll(d, splitV4(5, pattern(100), 48, o));
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(get16(&out[6]), 0x4000u);
    EXPECT_TRUE(ipv4ChecksumValid(out));
}

TEST(IpDefragmenter, ReversedOrderReassembles) {
    IpDefragmenter d;
    const Bytes payload = pattern(5000);
    auto frags = splitV4(9, payload, 1480);
    std::reverse(frags.begin(), frags.end());
    const Bytes out = feedAll(d, frags);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(get16(&out[2]), 5020u);
    EXPECT_EQ(payloadOf(out), payload);
    expectEmpty(d);
}

TEST(IpDefragmenter, RandomPermutationsOfManyFragmentsReassemble) {
    IpDefragmenter d;
    std::mt19937 rng(12345);
    for (uint32_t round = 0; round < 200; ++round) {
        const Bytes payload = pattern(8 + rng() % 20000, static_cast<uint8_t>(round));
        // At least 40 bytes per fragment keeps within the default 512 fragments per datagram.
        const size_t step = 8 * (5 + rng() % 100);
        auto frags = splitV4(round, payload, step);
        std::shuffle(frags.begin(), frags.end(), rng);
        const Bytes out = feedAll(d, frags);
        ASSERT_EQ(payloadOf(out), payload) << "round " << round << " step " << step;
        EXPECT_TRUE(ipv4ChecksumValid(out));
    }
    EXPECT_EQ(d.counters().reassembled, 200u);
    expectEmpty(d);
}

// Two fragments, split at every 8-byte boundary, fed in both orders.
TEST(IpDefragmenter, SplitAtEveryOffsetReassemblesInBothOrders) {
    const Bytes payload = pattern(203); // last fragment not a multiple of 8
    for (uint32_t cut = 8; cut < payload.size(); cut += 8) {
        const Frag a = v4Frag(1, 0, true, payload.data(), cut);
        const Frag b = v4Frag(1, cut, false, payload.data() + cut, payload.size() - cut);
        IpDefragmenter d;
        EXPECT_TRUE(add(d, a).empty());
        auto out = add(d, b);
        EXPECT_EQ(payloadOf(out), payload) << "cut " << cut;
        EXPECT_TRUE(add(d, b).empty());
        out = add(d, a);
        EXPECT_EQ(payloadOf(out), payload) << "cut " << cut << " reversed";
        expectEmpty(d);
    }
}

TEST(IpDefragmenter, OverlappingIdenticalBytesCountOverlapWithoutConflict) {
    IpDefragmenter d;
    const Bytes p = pattern(64);
    EXPECT_TRUE(add(d, v4Frag(1, 0, true, p.data(), 32)).empty());
    EXPECT_TRUE(add(d, v4Frag(1, 16, true, p.data() + 16, 32)).empty()); // [16,48)
    const auto out = add(d, v4Frag(1, 40, false, p.data() + 40, 24));    // [40,64)
    EXPECT_EQ(payloadOf(out), p);
    EXPECT_EQ(d.counters().overlaps, 2u);
    EXPECT_EQ(d.counters().overlap_conflicts, 0u);
    expectEmpty(d);
}

TEST(IpDefragmenter, OverlappingDifferentBytesKeepFirstAndCountConflict) {
    IpDefragmenter d;
    const Bytes p = pattern(64);
    Bytes evil = p;
    std::fill(evil.begin() + 8, evil.begin() + 40, 0xee);
    EXPECT_TRUE(add(d, v4Frag(1, 0, true, p.data(), 24)).empty());        // [0,24) genuine
    EXPECT_TRUE(add(d, v4Frag(1, 8, true, evil.data() + 8, 32)).empty()); // [8,40) forged
    const auto out = add(d, v4Frag(1, 40, false, p.data() + 40, 24));     // [40,64)
    const Bytes got = payloadOf(out);
    ASSERT_EQ(got.size(), 64u);
    // [0,24) from the first fragment, [24,40) filled from the forged one (it was a hole).
    EXPECT_TRUE(std::equal(got.begin(), got.begin() + 24, p.begin()));
    EXPECT_TRUE(
        std::all_of(got.begin() + 24, got.begin() + 40, [](uint8_t b) { return b == 0xee; }));
    EXPECT_TRUE(std::equal(got.begin() + 40, got.end(), p.begin() + 40));
    EXPECT_EQ(d.counters().overlaps, 1u);
    EXPECT_EQ(d.counters().overlap_conflicts, 1u);
}

TEST(IpDefragmenter, LaterFragmentCannotOverwriteAcrossSeveralHeldRanges) {
    IpDefragmenter d;
    const Bytes p = pattern(48);
    const Bytes evil(48, 0xaa);
    EXPECT_TRUE(add(d, v4Frag(1, 0, true, p.data(), 8)).empty());         // [0,8)
    EXPECT_TRUE(add(d, v4Frag(1, 16, true, p.data() + 16, 8)).empty());   // [16,24)
    EXPECT_TRUE(add(d, v4Frag(1, 32, false, p.data() + 32, 16)).empty()); // [32,48)
    const auto out = add(d, v4Frag(1, 0, true, evil.data(), 40));         // fills the two holes
    const Bytes got = payloadOf(out);
    ASSERT_EQ(got.size(), 48u);
    for (size_t i = 0; i < 48; ++i) {
        const bool hole = (i >= 8 && i < 16) || (i >= 24 && i < 32);
        EXPECT_EQ(got[i], hole ? 0xaa : p[i]) << "byte " << i;
    }
    EXPECT_EQ(d.counters().overlap_conflicts, 1u); // once per fragment, not per range
}

// Random overlapping fragments against a byte-by-byte model of the "first" policy.
TEST(IpDefragmenter, RandomOverlapsMatchFirstWinsModel) {
    DefragConfig cfg;
    cfg.max_fragments_per_datagram = 100'000;
    IpDefragmenter d(cfg);
    std::mt19937 rng(99);
    uint64_t overlaps = 0, conflicts = 0;
    for (uint32_t round = 0; round < 300; ++round) {
        const uint32_t len = 1 + rng() % 600;
        const Bytes truth = pattern(len, static_cast<uint8_t>(round));
        Bytes model(len);
        std::vector<bool> held(len, false);
        size_t covered = 0;
        while (covered < len) {
            const uint32_t start = 8 * (rng() % ((len + 7) / 8));
            const uint32_t end = std::min<uint32_t>(len, start + 8 * (1 + rng() % 6));
            Bytes data(truth.begin() + start, truth.begin() + end);
            if (rng() % 2) // a forged copy
                for (auto& b : data)
                    b = static_cast<uint8_t>(rng());
            bool overlap = false, conflict = false;
            for (uint32_t i = start; i < end; ++i) {
                if (held[i]) {
                    overlap = true;
                    conflict |= model[i] != data[i - start];
                } else {
                    held[i] = true, model[i] = data[i - start], ++covered;
                }
            }
            overlaps += overlap, conflicts += conflict;
            const auto out = add(d, v4Frag(round, start, end < len, data.data(), data.size()));
            ASSERT_EQ(out.empty(), covered < len) << "round " << round;
            if (!out.empty()) {
                ASSERT_EQ(payloadOf(out), model) << "round " << round;
            }
        }
    }
    EXPECT_EQ(d.counters().overlaps, overlaps);
    EXPECT_EQ(d.counters().overlap_conflicts, conflicts);
    EXPECT_EQ(d.counters().bad, 0u);
    expectEmpty(d);
}

TEST(IpDefragmenter, DuplicateFragmentIsCountedAsOverlapAndIgnored) {
    IpDefragmenter d;
    const auto frags = splitV4(3, pattern(100), 48);
    ASSERT_EQ(frags.size(), 3u);
    EXPECT_TRUE(add(d, frags[0]).empty());
    EXPECT_TRUE(add(d, frags[0]).empty());
    EXPECT_TRUE(add(d, frags[1]).empty());
    const auto out = add(d, frags[2]);
    EXPECT_EQ(payloadOf(out), pattern(100));
    EXPECT_EQ(d.counters().overlaps, 1u);
    EXPECT_EQ(d.counters().overlap_conflicts, 0u);
    EXPECT_EQ(d.counters().fragments, 4u);
    // A late duplicate after completion starts a new datagram that never completes.
    EXPECT_TRUE(add(d, frags[1]).empty());
    EXPECT_EQ(d.datagramsInProgress(), 1u);
}

TEST(IpDefragmenter, MissingPieceNeverCompletesAndExpires) {
    DefragConfig cfg;
    cfg.timeout_us = 1'000'000;
    IpDefragmenter d(cfg);
    const auto frags = splitV4(4, pattern(3000), 1000);
    EXPECT_TRUE(add(d, frags[0], 100).empty());
    EXPECT_TRUE(add(d, frags[2], 200).empty());
    EXPECT_EQ(d.datagramsInProgress(), 1u);
    EXPECT_GT(d.bytesHeld(), 0u);
    d.expire(500'000);
    EXPECT_EQ(d.datagramsInProgress(), 1u);
    d.expire(2'000'000);
    EXPECT_EQ(d.counters().timed_out, 1u);
    EXPECT_EQ(d.counters().reassembled, 0u);
    expectEmpty(d);
}

TEST(IpDefragmenter, TimeoutIsMeasuredFromFirstFragmentAndInclusiveAtBoundary) {
    DefragConfig cfg;
    cfg.timeout_us = 1000;
    IpDefragmenter d(cfg);
    const auto frags = splitV4(4, pattern(3000), 1000);
    EXPECT_TRUE(add(d, frags[0], 10'000).empty());
    EXPECT_TRUE(add(d, frags[1], 10'900).empty()); // later fragments do not refresh the timer
    d.expire(10'999);
    EXPECT_EQ(d.datagramsInProgress(), 1u);
    d.expire(11'000);
    EXPECT_EQ(d.datagramsInProgress(), 0u);
    EXPECT_EQ(d.counters().timed_out, 1u);
    expectEmpty(d);
}

TEST(IpDefragmenter, ExpireStopsAtFirstYoungDatagram) {
    DefragConfig cfg;
    cfg.timeout_us = 1000;
    IpDefragmenter d(cfg);
    const Bytes p = pattern(16);
    for (uint32_t id = 0; id < 5; ++id)
        add(d, v4Frag(id, 0, true, p.data(), 8), 1000 + id * 100);
    d.expire(2200); // ids 0,1,2 are >= 1000 us old
    EXPECT_EQ(d.counters().timed_out, 3u);
    EXPECT_EQ(d.datagramsInProgress(), 2u);
    // The survivors still complete.
    EXPECT_FALSE(add(d, v4Frag(3, 8, false, p.data() + 8, 8), 2200).empty());
    EXPECT_FALSE(add(d, v4Frag(4, 8, false, p.data() + 8, 8), 2200).empty());
}

TEST(IpDefragmenter, AddExpiresOldDatagramsWithoutExplicitExpire) {
    DefragConfig cfg;
    cfg.timeout_us = 1000;
    IpDefragmenter d(cfg);
    const Bytes p = pattern(16);
    add(d, v4Frag(1, 0, true, p.data(), 8), 0);
    add(d, v4Frag(2, 0, true, p.data(), 8), 5000);
    EXPECT_EQ(d.counters().timed_out, 1u);
    EXPECT_EQ(d.datagramsInProgress(), 1u);
    // The late tail of datagram 1 cannot complete it any more.
    EXPECT_TRUE(add(d, v4Frag(1, 8, false, p.data() + 8, 8), 5000).empty());
}

TEST(IpDefragmenter, MaxDatagramsEvictsOldestAtLimit) {
    DefragConfig cfg;
    cfg.max_datagrams = 2;
    IpDefragmenter d(cfg);
    const Bytes p = pattern(16);
    add(d, v4Frag(1, 0, true, p.data(), 8), 10);
    add(d, v4Frag(2, 0, true, p.data(), 8), 20);
    EXPECT_EQ(d.datagramsInProgress(), 2u);
    EXPECT_EQ(d.counters().evicted, 0u); // at the limit, not beyond
    add(d, v4Frag(3, 0, true, p.data(), 8), 30);
    EXPECT_EQ(d.datagramsInProgress(), 2u);
    EXPECT_EQ(d.counters().evicted, 1u);
    // 2 and 3 survived; 1 (the oldest) is gone.
    EXPECT_FALSE(add(d, v4Frag(2, 8, false, p.data() + 8, 8), 40).empty());
    EXPECT_FALSE(add(d, v4Frag(3, 8, false, p.data() + 8, 8), 40).empty());
    EXPECT_TRUE(add(d, v4Frag(1, 8, false, p.data() + 8, 8), 40).empty());
    EXPECT_EQ(d.counters().reassembled, 2u);
}

TEST(IpDefragmenter, MaxBytesEvictsOldestDatagrams) {
    DefragConfig cfg;
    cfg.max_bytes = 2000;
    IpDefragmenter d(cfg);
    const Bytes p = pattern(2000);
    add(d, v4Frag(1, 0, true, p.data(), 1000));
    add(d, v4Frag(2, 0, true, p.data(), 1000));
    EXPECT_EQ(d.bytesHeld(), 2000u);
    EXPECT_EQ(d.counters().evicted, 0u);
    add(d, v4Frag(3, 0, true, p.data(), 8));
    EXPECT_EQ(d.counters().evicted, 1u);
    EXPECT_LE(d.bytesHeld(), 2000u);
    EXPECT_EQ(d.datagramsInProgress(), 2u);
    EXPECT_TRUE(add(d, v4Frag(1, 1000, false, p.data() + 1000, 8)).empty());
    EXPECT_FALSE(add(d, v4Frag(3, 8, false, p.data() + 8, 8)).empty());
}

TEST(IpDefragmenter, BytesHeldNeverExceedsMaxBytes) {
    DefragConfig cfg;
    cfg.max_bytes = 10'000;
    IpDefragmenter d(cfg);
    std::mt19937 rng(7);
    const Bytes p = pattern(4000);
    for (uint32_t i = 0; i < 500; ++i) {
        const uint32_t off = 8 * (rng() % 400);
        const uint32_t len = 8 * (1 + rng() % 60);
        add(d, v4Frag(rng() % 20, off, true, p.data(), len));
        ASSERT_LE(d.bytesHeld(), cfg.max_bytes);
    }
    EXPECT_GT(d.counters().evicted, 0u);
}

TEST(IpDefragmenter, FragmentThatCanNeverFitIsDroppedAsEvicted) {
    DefragConfig cfg;
    cfg.max_bytes = 100;
    IpDefragmenter d(cfg);
    const Bytes p = pattern(200);
    add(d, v4Frag(1, 0, true, p.data(), 16));
    EXPECT_TRUE(add(d, v4Frag(2, 0, true, p.data(), 200)).empty());
    EXPECT_EQ(d.counters().evicted, 1u);
    EXPECT_EQ(d.datagramsInProgress(), 1u); // the small one was not sacrificed for nothing
    EXPECT_EQ(d.bytesHeld(), 16u);
}

TEST(IpDefragmenter, Ipv4PayloadUpToTheLimitReassemblesAndOneByteMoreIsTooLarge) {
    IpDefragmenter d;
    const Bytes max_payload = pattern(65535 - 20);
    const Bytes out = feedAll(d, splitV4(1, max_payload, 8000));
    ASSERT_EQ(out.size(), 65535u);
    EXPECT_EQ(get16(&out[2]), 65535u);
    EXPECT_EQ(payloadOf(out), max_payload);

    const Bytes big = pattern(65535 - 20 + 1);
    auto frags = splitV4(2, big, 8000);
    for (const auto& f : frags)
        EXPECT_TRUE(add(d, f).empty());
    EXPECT_EQ(d.counters().too_large, 1u);
    EXPECT_EQ(d.counters().reassembled, 1u);
}

TEST(IpDefragmenter, FragmentOffsetNearMaximumIsTooLarge) {
    IpDefragmenter d;
    const Bytes p = pattern(64);
    add(d, v4Frag(1, 0, true, p.data(), 8));
    EXPECT_TRUE(add(d, v4Frag(1, 65528, false, p.data(), 16)).empty());
    EXPECT_EQ(d.counters().too_large, 1u);
    expectEmpty(d); // the whole datagram went
}

TEST(IpDefragmenter, Ipv4OptionsShrinkTheLimitOnceTheFirstFragmentArrives) {
    IpDefragmenter d;
    Ipv4Opts o;
    o.options.assign(40, 1); // 60-byte header
    const Bytes p = pattern(64);
    // 65440 + 40 = 65480 fits behind a 20-byte header but not behind a 60-byte one.
    EXPECT_TRUE(add(d, v4Frag(1, 65440, false, p.data(), 40)).empty());
    EXPECT_EQ(d.datagramsInProgress(), 1u);
    EXPECT_TRUE(add(d, v4Frag(1, 0, true, p.data(), 8, o)).empty());
    EXPECT_EQ(d.counters().too_large, 1u);
    expectEmpty(d);
}

TEST(IpDefragmenter, Ipv6OffsetNearMaximumIsTooLarge) {
    IpDefragmenter d;
    const Bytes p = pattern(64);
    EXPECT_TRUE(add(d, v6Frag(1, 65528, false, p.data(), 16)).empty());
    EXPECT_EQ(d.counters().too_large, 1u);
    expectEmpty(d);
}

TEST(IpDefragmenter, TooManyFragmentsDropsDatagram) {
    DefragConfig cfg;
    cfg.max_fragments_per_datagram = 4;
    IpDefragmenter d(cfg);
    const auto frags = splitV4(1, pattern(80), 16); // 5 fragments
    ASSERT_EQ(frags.size(), 5u);
    for (const auto& f : frags)
        EXPECT_TRUE(add(d, f).empty());
    EXPECT_EQ(d.counters().too_many_fragments, 1u);
    EXPECT_EQ(d.counters().reassembled, 0u);
    expectEmpty(d);

    // Exactly at the limit is fine.
    const Bytes out = feedAll(d, splitV4(2, pattern(64), 16));
    EXPECT_EQ(payloadOf(out), pattern(64));
}

TEST(IpDefragmenter, TruncatedFragmentDropsDatagram) {
    IpDefragmenter d;
    auto frags = splitV4(1, pattern(3000), 1000);
    EXPECT_TRUE(add(d, frags[0]).empty());
    frags[1].info.truncated = true;
    EXPECT_TRUE(add(d, frags[1]).empty());
    EXPECT_EQ(d.counters().truncated, 1u);
    expectEmpty(d);
    EXPECT_TRUE(add(d, frags[2]).empty());
    EXPECT_EQ(d.counters().reassembled, 0u);
}

TEST(IpDefragmenter, NonLastFragmentNotMultipleOf8IsBad) {
    IpDefragmenter d;
    const Bytes p = pattern(64);
    add(d, v4Frag(1, 0, true, p.data(), 16));
    EXPECT_TRUE(add(d, v4Frag(1, 16, true, p.data() + 16, 12)).empty());
    EXPECT_EQ(d.counters().bad, 1u);
    expectEmpty(d);
}

TEST(IpDefragmenter, TwoDifferentLastFragmentsAreBad) {
    IpDefragmenter d;
    const Bytes p = pattern(64);
    add(d, v4Frag(1, 32, false, p.data() + 32, 16));                      // total 48
    EXPECT_TRUE(add(d, v4Frag(1, 32, false, p.data() + 32, 24)).empty()); // total 56
    EXPECT_EQ(d.counters().bad, 1u);
    expectEmpty(d);
}

TEST(IpDefragmenter, DataBeyondKnownTotalIsBad) {
    IpDefragmenter d;
    const Bytes p = pattern(64);
    add(d, v4Frag(1, 16, false, p.data() + 16, 16)); // total 32
    EXPECT_TRUE(add(d, v4Frag(1, 24, true, p.data() + 24, 16)).empty());
    EXPECT_EQ(d.counters().bad, 1u);
    expectEmpty(d);

    add(d, v4Frag(2, 32, true, p.data() + 32, 16));                      // data up to 48
    EXPECT_TRUE(add(d, v4Frag(2, 16, false, p.data() + 16, 8)).empty()); // says total 24
    EXPECT_EQ(d.counters().bad, 2u);
    expectEmpty(d);
}

TEST(IpDefragmenter, Ipv4OptionsAreKeptInRebuiltHeaderWithValidChecksum) {
    IpDefragmenter d;
    Ipv4Opts o;
    o.options = {0x94, 0x04, 0x00, 0x00}; // Router Alert
    const Bytes payload = pattern(1500);
    auto frags = splitV4(42, payload, 600, o);
    std::reverse(frags.begin(), frags.end()); // header arrives last
    EXPECT_EQ(frags.back().info.ip_header_len, 24u);
    EXPECT_EQ(frags.front().info.ip_header_len, 20u);
    const Bytes out = feedAll(d, frags);
    ASSERT_EQ(out.size(), 24 + payload.size());
    EXPECT_EQ(out[0], 0x46);
    EXPECT_EQ(get16(&out[2]), 24 + payload.size());
    EXPECT_EQ(get16(&out[6]), 0u);
    EXPECT_TRUE(std::equal(o.options.begin(), o.options.end(), out.begin() + 20));
    EXPECT_TRUE(ipv4ChecksumValid(out));
    EXPECT_EQ(payloadOf(out), payload);
}

TEST(IpDefragmenter, Ipv6ReassemblyYieldsPayloadLengthAndNextHeader) {
    IpDefragmenter d;
    const Bytes payload = pattern(3001);
    std::vector<Frag> frags;
    for (uint32_t off = 0; off < payload.size(); off += 1232) {
        const size_t len = std::min<size_t>(1232, payload.size() - off);
        frags.push_back(
            v6Frag(0xdeadbeef, off, off + len < payload.size(), payload.data() + off, len, 6));
    }
    std::swap(frags[0], frags[1]);
    const Bytes out = feedAll(d, frags);
    ASSERT_EQ(out.size(), 40 + payload.size());
    EXPECT_EQ(out[0] >> 4, 6);
    EXPECT_EQ(get16(&out[4]), payload.size());
    EXPECT_EQ(out[6], 6u); // TCP, not the Fragment header
    EXPECT_TRUE(std::equal(out.begin() + 8, out.begin() + 40, frags[1].frame.begin() + 8));
    EXPECT_EQ(payloadOf(out), payload);
    expectEmpty(d);
}

TEST(IpDefragmenter, Ipv4AndIpv6WithSameIdAreKeptApart) {
    IpDefragmenter d;
    const Bytes p = pattern(32);
    EXPECT_TRUE(add(d, v4Frag(7, 0, true, p.data(), 16)).empty());
    EXPECT_TRUE(add(d, v6Frag(7, 16, false, p.data() + 16, 16)).empty());
    EXPECT_EQ(d.datagramsInProgress(), 2u);
}

TEST(IpDefragmenter, InterleavedDatagramsWithDifferentIdsReassembleSeparately) {
    IpDefragmenter d;
    const Bytes pa = pattern(3000, 1), pb = pattern(2500, 2);
    const auto fa = splitV4(100, pa, 1000), fb = splitV4(101, pb, 1000);
    EXPECT_TRUE(add(d, fa[0]).empty());
    EXPECT_TRUE(add(d, fb[2]).empty());
    EXPECT_TRUE(add(d, fa[1]).empty());
    EXPECT_TRUE(add(d, fb[0]).empty());
    EXPECT_EQ(d.datagramsInProgress(), 2u);
    EXPECT_EQ(payloadOf(add(d, fa[2])), pa);
    EXPECT_EQ(payloadOf(add(d, fb[1])), pb);
    EXPECT_EQ(d.counters().overlaps, 0u);
    expectEmpty(d);
}

TEST(IpDefragmenter, SameIdDifferentSourceOrVlanIsKeptApart) {
    IpDefragmenter d;
    const Bytes pa = pattern(64, 1), pb = pattern(64, 2), pc = pattern(64, 3);
    Ipv4Opts a, b, c;
    b.src = "10.9.9.9";
    c.vlan = 20;
    EXPECT_TRUE(add(d, v4Frag(5, 0, true, pa.data(), 32, a)).empty());
    EXPECT_TRUE(add(d, v4Frag(5, 0, true, pb.data(), 32, b)).empty());
    EXPECT_TRUE(add(d, v4Frag(5, 0, true, pc.data(), 32, c)).empty());
    EXPECT_EQ(d.datagramsInProgress(), 3u);
    const auto ob = add(d, v4Frag(5, 32, false, pb.data() + 32, 32, b));
    ASSERT_FALSE(ob.empty());
    EXPECT_EQ(payloadOf(ob), pb);
    EXPECT_EQ(get16(&ob[12]), 0x0a09u);
    EXPECT_EQ(payloadOf(add(d, v4Frag(5, 32, false, pa.data() + 32, 32, a))), pa);
    EXPECT_EQ(payloadOf(add(d, v4Frag(5, 32, false, pc.data() + 32, 32, c))), pc);
    EXPECT_EQ(d.counters().overlaps, 0u);
    EXPECT_EQ(d.counters().overlap_conflicts, 0u);
    expectEmpty(d);
}

TEST(IpDefragmenter, CountersAddUp) {
    DefragCounters a, b;
    a.fragments = 1, a.reassembled = 2, a.timed_out = 3, a.evicted = 4, a.overlaps = 5;
    a.overlap_conflicts = 6, a.too_large = 7, a.too_many_fragments = 8, a.truncated = 9;
    a.bad = 10;
    b = a;
    b += a;
    EXPECT_EQ(b.fragments, 2u);
    EXPECT_EQ(b.reassembled, 4u);
    EXPECT_EQ(b.timed_out, 6u);
    EXPECT_EQ(b.evicted, 8u);
    EXPECT_EQ(b.overlaps, 10u);
    EXPECT_EQ(b.overlap_conflicts, 12u);
    EXPECT_EQ(b.too_large, 14u);
    EXPECT_EQ(b.too_many_fragments, 16u);
    EXPECT_EQ(b.truncated, 18u);
    EXPECT_EQ(b.bad, 20u);
}

} // namespace
} // namespace egressmon::capture
