#include "ip_defragmenter.h"

// Call flow of add():
//   expire old datagrams -> validate the fragment -> find or create its datagram (evicting the
//   oldest when max_datagrams is reached) -> bookkeeping for the last fragment and the header
//   of the first -> grow the payload buffer (evicting the oldest others when max_bytes is
//   reached) -> copy only into holes, comparing overlaps -> if [0,total) is covered and both
//   ends arrived, rebuild the datagram into out_ and forget it.
//
// Datagrams live in an unordered_map (nodes never move, so raw pointers to them are stable)
// and are also threaded on an intrusive list in creation order, which makes both "evict the
// oldest" and "expire everything older than X" a walk from the head that stops early.

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <random>
#include <unordered_map>
#include <vector>

#include "core/hash_mix.h"

namespace egressmon::capture {

using core::load64;
using core::mix64;

namespace {

constexpr uint32_t kMaxIpLen = 65535;
constexpr uint32_t kIpv4MinHeader = 20;
constexpr uint32_t kIpv4MaxHeader = 60;
constexpr uint32_t kIpv6Header = 40;

struct Key {
    core::IpAddress src;
    core::IpAddress dst;
    uint32_t id = 0;
    uint16_t vlan_id = 0;
    uint8_t ip_version = 0;
    uint8_t next_proto = 0;
    friend bool operator==(const Key&, const Key&) = default;
};

// Seeded per instance: fragment ids and addresses are attacker-chosen, so an unseeded hash
// would let one craft colliding keys and turn every lookup into a long chain walk.
struct KeyHash {
    uint64_t seed = 0;
    size_t operator()(const Key& k) const noexcept {
        const uint8_t* s = k.src.bytes().data();
        const uint8_t* d = k.dst.bytes().data();
        uint64_t h = mix64(seed ^ 0x9e3779b97f4a7c15ULL);
        h = mix64(h ^ load64(s));
        h = mix64(h ^ load64(s + 8));
        h = mix64(h ^ load64(d));
        h = mix64(h ^ load64(d + 8));
        h = mix64(h ^ ((uint64_t{k.id} << 32) | (uint64_t{k.vlan_id} << 16) |
                       (uint64_t{k.ip_version} << 8) | k.next_proto));
        return static_cast<size_t>(h);
    }
};

struct Interval {
    uint32_t start;
    uint32_t end; // exclusive
};

struct Datagram {
    Datagram* prev = nullptr; // creation-order list, head_ is the oldest
    Datagram* next = nullptr;
    const Key* key = nullptr; // the map node's own key
    uint64_t first_us = 0;
    // size() is the highest byte end seen; capacity() is what is charged to bytes held.
    std::vector<uint8_t> payload;
    // Byte ranges held: sorted, disjoint and never touching (adjacent ranges are merged), so
    // "complete" is simply one range [0,total). Byte-exact because the last fragment need not
    // be a multiple of 8. At most max_fragments_per_datagram entries.
    std::vector<Interval> have;
    uint32_t total = 0; // payload length, known once has_last
    bool has_last = false;
    uint32_t fragments = 0;
    uint32_t header_len = 0; // 0 until the offset-0 fragment arrived
    std::array<uint8_t, kIpv4MaxHeader> header{};
};

uint16_t ipv4Checksum(const uint8_t* h, uint32_t len) {
    uint32_t sum = 0;
    for (uint32_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t{h[i]} << 8) | h[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

inline void put16(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

// Largest payload the rebuilt datagram may carry: IPv4's total length includes the header,
// IPv6's payload length does not.
inline uint32_t payloadLimit(uint8_t ip_version, uint32_t header_len) {
    return ip_version == 6 ? kMaxIpLen : kMaxIpLen - header_len;
}

} // namespace

struct IpDefragmenter::Impl {
    explicit Impl(DefragConfig cfg, uint64_t seed) : cfg_(cfg), map_(0, KeyHash{seed}) {
        // Done here so the packet path neither rehashes (up to a sane size) nor grows out_.
        map_.reserve(std::min<uint32_t>(cfg_.max_datagrams, 1u << 16));
        out_.reserve(kIpv6Header + kMaxIpLen);
    }

    std::span<const uint8_t> add(const FragmentInfo& f, const uint8_t* frame,
                                 uint64_t now_us) noexcept;
    std::span<const uint8_t> addUnchecked(const FragmentInfo& f, const uint8_t* frame,
                                          const Key& key, uint64_t now_us);
    void expire(uint64_t now_us) noexcept;

    Datagram* find(const Key& key) noexcept {
        auto it = map_.find(key);
        return it == map_.end() ? nullptr : &it->second;
    }
    Datagram* create(const Key& key, uint64_t now_us);
    void grow(Datagram& d, uint32_t end);
    void fill(Datagram& d, uint32_t start, const uint8_t* src, uint32_t len);
    std::span<const uint8_t> finish(Datagram& d, uint8_t ip_version, uint8_t next_proto);
    void drop(Datagram* d) noexcept;
    // The caller's datagram is skipped: evicting it to make room for itself gains nothing.
    Datagram* oldestOther(const Datagram* keep) const noexcept {
        Datagram* o = head_;
        if (o == keep) o = o->next;
        return o;
    }

    DefragConfig cfg_;
    std::unordered_map<Key, Datagram, KeyHash> map_;
    Datagram* head_ = nullptr;
    Datagram* tail_ = nullptr;
    uint64_t held_ = 0;
    DefragCounters c_;
    std::vector<uint8_t> out_;
};

std::span<const uint8_t> IpDefragmenter::Impl::add(const FragmentInfo& f, const uint8_t* frame,
                                                   uint64_t now_us) noexcept {
    ++c_.fragments;
    // Callers that never call expire() still stay bounded; this is O(expired) per call.
    expire(now_us);
    if (f.ip_version != 4 && f.ip_version != 6) {
        ++c_.bad;
        return {};
    }
    Key key;
    key.src = f.src_ip;
    key.dst = f.dst_ip;
    key.id = f.id;
    key.vlan_id = f.vlan_id;
    key.ip_version = f.ip_version;
    key.next_proto = f.next_proto;
    try {
        return addUnchecked(f, frame, key, now_us);
    } catch (const std::bad_alloc&) {
        // Whatever state the datagram was left in, it is gone now; memory pressure is
        // reported like any other eviction.
        ++c_.evicted;
        drop(find(key));
        return {};
    }
}

std::span<const uint8_t> IpDefragmenter::Impl::addUnchecked(const FragmentInfo& f,
                                                            const uint8_t* frame, const Key& key,
                                                            uint64_t now_us) {
    Datagram* d = find(key);
    const bool first = f.frag_offset == 0;
    const uint64_t end = uint64_t{f.frag_offset} + f.data_len;

    if (f.truncated) {
        ++c_.truncated;
        drop(d);
        return {};
    }
    const bool header_ok = f.ip_version == 6
                               ? f.ip_header_len == kIpv6Header
                               : f.ip_header_len >= kIpv4MinHeader &&
                                     f.ip_header_len <= kIpv4MaxHeader && f.ip_header_len % 4 == 0;
    // RFC 791 / RFC 8200: every fragment but the last carries a multiple of 8 bytes.
    if ((first && !header_ok) || (f.more_fragments && f.data_len % 8 != 0) || frame == nullptr) {
        ++c_.bad;
        drop(d);
        return {};
    }
    // Until the first fragment shows the real header length, assume the smallest one.
    const uint32_t header_len = d && d->header_len ? d->header_len
                                : first            ? f.ip_header_len
                                                   : kIpv4MinHeader;
    if (end > payloadLimit(f.ip_version, header_len)) {
        ++c_.too_large;
        drop(d);
        return {};
    }

    if (end > cfg_.max_bytes) {
        // Would not fit even with everything else evicted: keeping a datagram that can never
        // complete only wastes the space.
        ++c_.evicted;
        drop(d);
        return {};
    }

    if (!d && !(d = create(key, now_us))) return {};
    if (++d->fragments > cfg_.max_fragments_per_datagram) {
        ++c_.too_many_fragments;
        drop(d);
        return {};
    }
    if (!f.more_fragments) {
        if (d->has_last ? d->total != end : d->payload.size() > end) {
            ++c_.bad;
            drop(d);
            return {};
        }
        d->has_last = true;
        d->total = static_cast<uint32_t>(end);
    } else if (d->has_last && end > d->total) {
        ++c_.bad;
        drop(d);
        return {};
    }
    if (first && d->header_len == 0) {
        // Earlier fragments were checked against the smallest header; recheck with the real one.
        const uint64_t extent = std::max<uint64_t>(d->payload.size(), d->total);
        if (extent > payloadLimit(f.ip_version, f.ip_header_len)) {
            ++c_.too_large;
            drop(d);
            return {};
        }
        std::memcpy(d->header.data(), frame + f.ip_header_offset, f.ip_header_len);
        d->header_len = f.ip_header_len;
    }
    if (f.data_len > 0) {
        grow(*d, static_cast<uint32_t>(end));
        fill(*d, f.frag_offset, frame + f.data_offset, f.data_len);
    }

    const bool covered = d->total == 0 || (d->have.size() == 1 && d->have[0].start == 0 &&
                                           d->have[0].end == d->total);
    if (d->header_len == 0 || !d->has_last || !covered) return {};
    return finish(*d, f.ip_version, f.next_proto);
}

Datagram* IpDefragmenter::Impl::create(const Key& key, uint64_t now_us) {
    if (cfg_.max_datagrams == 0) {
        ++c_.evicted;
        return nullptr;
    }
    while (map_.size() >= cfg_.max_datagrams && head_) {
        ++c_.evicted;
        drop(head_);
    }
    auto [it, inserted] = map_.try_emplace(key);
    Datagram& d = it->second;
    d.key = &it->first;
    d.first_us = now_us;
    d.prev = tail_;
    (tail_ ? tail_->next : head_) = &d;
    tail_ = &d;
    return &d;
}

// Makes d.payload at least `end` bytes, evicting other datagrams as needed. The caller has
// checked end <= max_bytes, so d alone always fits.
void IpDefragmenter::Impl::grow(Datagram& d, uint32_t end) {
    const size_t cap = d.payload.capacity();
    if (end <= cap) {
        if (end > d.payload.size()) d.payload.resize(end);
        return;
    }
    // Allocate the final size once it is known; otherwise double so in-order arrival is not
    // quadratic. Fall back to the exact size rather than evict others for mere slack.
    uint64_t want =
        d.has_last ? d.total : std::max<uint64_t>(end, std::min<uint64_t>(kMaxIpLen, 2 * cap));
    if (held_ - cap + want > cfg_.max_bytes) want = end;
    while (held_ - cap + want > cfg_.max_bytes) {
        Datagram* victim = oldestOther(&d);
        if (!victim) break; // unreachable: want == end <= max_bytes here
        ++c_.evicted;
        drop(victim);
    }
    d.payload.reserve(want);
    held_ += d.payload.capacity() - cap;
    d.payload.resize(end);
}

// Copies [start, start+len) into the holes only ("first" policy) and records the range.
void IpDefragmenter::Impl::fill(Datagram& d, uint32_t start, const uint8_t* src, uint32_t len) {
    const uint32_t end = start + len;
    uint8_t* buf = d.payload.data();
    auto& have = d.have;
    bool overlap = false;
    bool conflict = false;
    uint32_t pos = start;
    auto it = std::partition_point(have.begin(), have.end(),
                                   [start](const Interval& r) { return r.end <= start; });
    for (; it != have.end() && it->start < end; ++it) {
        if (pos < it->start) std::memcpy(buf + pos, src + (pos - start), it->start - pos);
        const uint32_t o_start = std::max(pos, it->start);
        const uint32_t o_end = std::min(end, it->end);
        overlap = true;
        if (std::memcmp(buf + o_start, src + (o_start - start), o_end - o_start) != 0)
            conflict = true;
        pos = o_end;
    }
    if (pos < end) std::memcpy(buf + pos, src + (pos - start), end - pos);
    c_.overlaps += overlap;
    c_.overlap_conflicts += conflict;

    // Collapse every range overlapping or touching [start,end) into one.
    auto lo = std::partition_point(have.begin(), have.end(),
                                   [start](const Interval& r) { return r.end < start; });
    auto hi =
        std::partition_point(lo, have.end(), [end](const Interval& r) { return r.start <= end; });
    if (lo == hi) {
        have.insert(lo, Interval{start, end});
    } else {
        lo->start = std::min(lo->start, start);
        lo->end = std::max((hi - 1)->end, end);
        have.erase(lo + 1, hi);
    }
}

std::span<const uint8_t> IpDefragmenter::Impl::finish(Datagram& d, uint8_t ip_version,
                                                      uint8_t next_proto) {
    const uint32_t len = d.header_len + d.total;
    out_.resize(len); // within the capacity reserved at construction
    uint8_t* o = out_.data();
    std::memcpy(o, d.header.data(), d.header_len);
    if (d.total) std::memcpy(o + d.header_len, d.payload.data(), d.total);
    if (ip_version == 4) {
        put16(o + 2, len);
        o[6] &= 0x40; // keep DF; clear MF and the fragment offset
        o[7] = 0;
        put16(o + 10, 0);
        put16(o + 10, ipv4Checksum(o, d.header_len));
    } else {
        // Extension headers before the fragment header are not kept (see the header file).
        put16(o + 4, d.total);
        o[6] = next_proto;
    }
    ++c_.reassembled;
    drop(&d);
    return {o, len};
}

void IpDefragmenter::Impl::drop(Datagram* d) noexcept {
    if (!d) return;
    (d->prev ? d->prev->next : head_) = d->next;
    (d->next ? d->next->prev : tail_) = d->prev;
    held_ -= d->payload.capacity();
    const Key key = *d->key; // erase() must not be handed a reference into the node it frees
    map_.erase(key);
}

void IpDefragmenter::Impl::expire(uint64_t now_us) noexcept {
    // The list is in creation order, so the first young datagram ends the walk. A clock that
    // steps back leaves head_ "in the future": it is kept until the clock passes it again.
    while (head_ && now_us >= head_->first_us && now_us - head_->first_us >= cfg_.timeout_us) {
        ++c_.timed_out;
        drop(head_);
    }
}

namespace {
uint64_t randomSeed() noexcept {
    try {
        std::random_device rd;
        return (uint64_t{rd()} << 32) ^ rd();
    } catch (...) {
        // No entropy source: the address of a local still differs between runs under ASLR.
        int local = 0;
        return mix64(reinterpret_cast<uintptr_t>(&local));
    }
}
} // namespace

IpDefragmenter::IpDefragmenter(DefragConfig config)
    : impl_(std::make_unique<Impl>(config, randomSeed())) {}

IpDefragmenter::~IpDefragmenter() = default;

std::span<const uint8_t> IpDefragmenter::add(const FragmentInfo& frag, const uint8_t* frame,
                                             uint64_t now_us) noexcept {
    return impl_->add(frag, frame, now_us);
}

void IpDefragmenter::expire(uint64_t now_us) noexcept {
    impl_->expire(now_us);
}

const DefragCounters& IpDefragmenter::counters() const noexcept {
    return impl_->c_;
}

uint32_t IpDefragmenter::datagramsInProgress() const noexcept {
    return static_cast<uint32_t>(impl_->map_.size());
}

uint64_t IpDefragmenter::bytesHeld() const noexcept {
    return impl_->held_;
}

} // namespace egressmon::capture
