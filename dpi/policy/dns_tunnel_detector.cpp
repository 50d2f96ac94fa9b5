#include "dns_tunnel_detector.h"

#include <array>
#include <bit>
#include <cmath>
#include <stdexcept>

#include "core/hash_mix.h"

namespace egressmon::dpi {

namespace {

uint64_t fnv1a(std::string_view text, uint64_t h = 0xcbf29ce484222325ULL) noexcept {
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t pairKey(const core::IpAddress& host, std::string_view domain) noexcept {
    uint64_t h = fnv1a(domain);
    const auto& bytes = host.bytes();
    h = core::mix64(h ^ core::load64(bytes.data()) ^ host.family());
    return core::mix64(h ^ core::load64(bytes.data() + 8));
}

// A name's 32-bit fingerprint in the distinct-name set; 0 marks an empty slot. Two names share
// one with odds of about n^2 / 2^33 per window (n names): a missed name now and then, no more.
uint32_t fingerprintOf(uint64_t name_hash) noexcept {
    const auto h = static_cast<uint32_t>(core::mix64(name_hash) >> 32);
    return h == 0 ? 1 : h;
}

bool typedMessage(uint16_t qtype, const DnsAnswerSummary* answers) noexcept {
    if (qtype == dnstype::kTxt || qtype == dnstype::kNull || qtype == dnstype::kCname) return true;
    return answers != nullptr && (answers->types & (dnsanswer::kTxt | dnsanswer::kNull)) != 0;
}

} // namespace

struct DnsTunnelDetector::Pair {
    uint64_t key = 0;
    core::IpAddress host;
    std::string domain;
    uint64_t window_start_us = 0;
    uint64_t last_us = 0;
    uint32_t distinct_names = 0;
    uint32_t entropy_names = 0; // names with a part left of the domain
    uint64_t name_bytes = 0;
    double entropy_sum = 0;
    uint32_t messages = 0;
    uint32_t typed_messages = 0;
    uint32_t odd_names = 0;
    bool flagged = false;
    bool set_full = false; // names_used reached the bound in this window
    // Open addressing, linear probing; capacity a power of two, grown to twice the bound.
    std::vector<uint32_t> names;
    uint32_t names_used = 0;
    uint32_t prev = kNone;
    uint32_t next = kNone;

    void resetWindow(uint64_t ts_us) noexcept {
        window_start_us = ts_us;
        distinct_names = entropy_names = messages = typed_messages = odd_names = 0;
        name_bytes = 0;
        entropy_sum = 0;
        flagged = set_full = false;
        std::fill(names.begin(), names.end(), 0u);
        names_used = 0;
    }

    // True when `fp` was not in the set (it is now, unless the set is full).
    bool insertName(uint32_t fp, uint32_t bound) noexcept {
        if (names.empty()) names.assign(16, 0u);
        if (contains(fp)) return false;
        if (names_used >= bound) return true; // not remembered: a repeat counts again
        if ((names_used + 1) * 2 > names.size()) grow();
        place(fp);
        names_used++;
        return true;
    }

    bool contains(uint32_t fp) const noexcept {
        const size_t mask = names.size() - 1;
        for (size_t i = fp & mask;; i = (i + 1) & mask) {
            if (names[i] == fp) return true;
            if (names[i] == 0) return false;
        }
    }
    void place(uint32_t fp) noexcept {
        const size_t mask = names.size() - 1;
        size_t i = fp & mask;
        while (names[i] != 0)
            i = (i + 1) & mask;
        names[i] = fp;
    }
    void grow() noexcept {
        std::vector<uint32_t> old(names.size() * 2, 0u);
        old.swap(names);
        for (const uint32_t fp : old) {
            if (fp != 0) place(fp);
        }
    }
};

void DnsTunnelConfig::validate() const {
    if (window_seconds == 0) throw std::invalid_argument("dns-tunnel-window must be > 0 seconds");
    if (min_distinct_names == 0) throw std::invalid_argument("dns-tunnel-min-names must be > 0");
    if (!(min_mean_entropy >= 0.0 && min_mean_entropy <= 8.0)) {
        throw std::invalid_argument("dns-tunnel-min-entropy must be within 0..8 bits per char");
    }
    if (!(min_odd_name_share >= 0.0 && min_odd_name_share <= 1.0)) {
        throw std::invalid_argument("dns-tunnel-min-odd-share must be within 0..1");
    }
    if (max_tracked_pairs == 0) throw std::invalid_argument("dns-tunnel-max-pairs must be > 0");
    if (max_names_per_pair < min_distinct_names) {
        throw std::invalid_argument(
            "dns-tunnel-max-names must be at least dns-tunnel-min-names (else never reached)");
    }
    if (max_names_per_pair > (1u << 20)) {
        throw std::invalid_argument("dns-tunnel-max-names must be at most 1048576");
    }
}

DnsTunnelDetector::DnsTunnelDetector(const DnsTunnelConfig& config,
                                     std::shared_ptr<const RegisteredDomains> domains)
    : config_(config), domains_(std::move(domains)),
      window_us_(static_cast<uint64_t>(config.window_seconds) * 1'000'000) {
    config_.validate();
    if (!domains_) throw std::invalid_argument("dns-tunnel detector needs a suffix list");
    pairs_.reserve(config_.max_tracked_pairs);
    index_.reserve(config_.max_tracked_pairs);
}

DnsTunnelDetector::~DnsTunnelDetector() = default;

size_t DnsTunnelDetector::pairsTracked() const noexcept {
    return index_.size();
}

double DnsTunnelDetector::labelEntropy(std::string_view text) noexcept {
    std::array<uint16_t, 256> counts{};
    uint32_t total = 0;
    for (const char c : text) {
        if (c == '.') continue;
        counts[static_cast<unsigned char>(c)]++;
        total++;
    }
    if (total == 0) return 0.0;
    double bits = 0;
    for (const uint16_t n : counts) {
        if (n == 0) continue;
        const double p = static_cast<double>(n) / total;
        bits -= p * std::log2(p);
    }
    return bits;
}

bool DnsTunnelDetector::hasOddBytes(std::string_view text) noexcept {
    for (const char c : text) {
        const bool host_byte =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!host_byte) return true;
    }
    return false;
}

void DnsTunnelDetector::unlink(uint32_t slot) noexcept {
    Pair& p = pairs_[slot];
    if (p.prev != kNone)
        pairs_[p.prev].next = p.next;
    else
        head_ = p.next;
    if (p.next != kNone)
        pairs_[p.next].prev = p.prev;
    else
        tail_ = p.prev;
    p.prev = p.next = kNone;
}

void DnsTunnelDetector::pushFront(uint32_t slot) noexcept {
    Pair& p = pairs_[slot];
    p.prev = kNone;
    p.next = head_;
    if (head_ != kNone) pairs_[head_].prev = slot;
    head_ = slot;
    if (tail_ == kNone) tail_ = slot;
}

void DnsTunnelDetector::drop(uint32_t slot) noexcept {
    unlink(slot);
    index_.erase(pairs_[slot].key);
    free_slots_.push_back(slot);
}

uint32_t DnsTunnelDetector::findOrAdd(const core::IpAddress& host, std::string_view domain,
                                      uint64_t key, uint64_t ts_us) noexcept {
    if (auto it = index_.find(key); it != index_.end()) {
        const uint32_t slot = it->second;
        Pair& p = pairs_[slot];
        if (p.host == host && p.domain == domain) {
            if (slot != head_) {
                unlink(slot);
                pushFront(slot);
            }
            return slot;
        }
        // Two pairs with one 64-bit key: the newcomer takes the slot (counted as an eviction).
        drop(slot);
        counters_.pairs_evicted++;
    }
    if (index_.size() >= config_.max_tracked_pairs) {
        drop(tail_);
        counters_.pairs_evicted++;
    }
    uint32_t slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = static_cast<uint32_t>(pairs_.size());
        pairs_.emplace_back();
    }
    Pair& p = pairs_[slot];
    p.key = key;
    p.host = host;
    p.domain.assign(domain);
    p.last_us = ts_us;
    p.resetWindow(ts_us);
    index_.emplace(key, slot);
    pushFront(slot);
    return slot;
}

std::string_view DnsTunnelDetector::registeredDomainOf(std::string_view name,
                                                       uint64_t name_hash) noexcept {
    DomainCacheEntry& e = domain_cache_[name_hash % domain_cache_.size()];
    if (e.name_hash == name_hash && e.name_len == name.size() && e.domain_len <= name.size())
        return name.substr(name.size() - e.domain_len);
    const std::string_view domain = domains_->registeredDomain(name);
    e = {name_hash, static_cast<uint32_t>(name.size()), static_cast<uint32_t>(domain.size())};
    return domain;
}

std::optional<DnsTunnelFigures>
DnsTunnelDetector::observe(const core::IpAddress& host, std::string_view name, uint16_t qtype,
                           uint64_t ts_us, const DnsAnswerSummary* answers) noexcept {
    counters_.messages++;
    const uint64_t name_hash = fnv1a(name);
    const std::string_view domain = registeredDomainOf(name, name_hash);
    const uint32_t slot = findOrAdd(host, domain, pairKey(host, domain), ts_us);
    Pair& p = pairs_[slot];
    // Tumbling window from the pair's first message; a clock going backwards stays in it.
    if (ts_us >= p.window_start_us + window_us_) p.resetWindow(ts_us);
    if (ts_us > p.last_us) p.last_us = ts_us;
    p.messages++;
    if (typedMessage(qtype, answers)) p.typed_messages++;
    if (p.insertName(fingerprintOf(name_hash), config_.max_names_per_pair)) {
        if (p.names_used == config_.max_names_per_pair && !p.set_full) {
            // Filled just now: later unseen names cannot be told from repeats of them.
            counters_.name_sets_full++;
            p.set_full = true;
        }
        p.distinct_names++;
        const std::string_view left = RegisteredDomains::subdomainPart(name, domain);
        if (!left.empty()) {
            p.name_bytes += left.size();
            p.entropy_sum += labelEntropy(left);
            p.entropy_names++;
            if (hasOddBytes(left)) p.odd_names++;
        }
    }
    if (p.flagged) return std::nullopt;
    const DnsTunnelFigures f = figuresOf(p);
    if (f.distinct_names < config_.min_distinct_names || f.name_bytes < config_.min_name_bytes ||
        (f.mean_entropy < config_.min_mean_entropy && f.oddShare() < config_.min_odd_name_share)) {
        return std::nullopt;
    }
    p.flagged = true;
    counters_.tunnels++;
    return f;
}

std::optional<DnsTunnelFigures> DnsTunnelDetector::observeMessage(const core::IpAddress& src,
                                                                  const core::IpAddress& dst,
                                                                  std::span<const uint8_t> message,
                                                                  uint64_t ts_us) noexcept {
    DnsMessage msg;
    const DnsParseStatus status = parseDnsMessage(message, msg);
    if (status != DnsParseStatus::kOk) counters_.malformed++;
    if (!msg.has_question || msg.opcode != 0) return std::nullopt; // standard queries only
    return observe(msg.is_response ? dst : src, msg.name(), msg.qtype, ts_us,
                   msg.is_response ? &msg.answers : nullptr);
}

void DnsTunnelDetector::expire(uint64_t now_us) noexcept {
    while (tail_ != kNone && pairs_[tail_].last_us + window_us_ <= now_us) {
        drop(tail_);
        counters_.pairs_expired++;
    }
}

DnsTunnelFigures DnsTunnelDetector::figuresOf(const Pair& p) const noexcept {
    DnsTunnelFigures f;
    f.host = p.host;
    f.domain = p.domain;
    f.distinct_names = p.distinct_names;
    f.names_saturated = p.distinct_names > p.names_used;
    f.name_bytes = p.name_bytes;
    f.mean_entropy = p.entropy_names == 0 ? 0.0 : p.entropy_sum / p.entropy_names;
    f.messages = p.messages;
    f.typed_messages = p.typed_messages;
    f.odd_names = p.odd_names;
    f.window_start_us = p.window_start_us;
    f.last_us = p.last_us;
    f.window_seconds = config_.window_seconds;
    return f;
}

std::optional<DnsTunnelFigures> DnsTunnelDetector::figures(const core::IpAddress& host,
                                                           std::string_view domain) const noexcept {
    const auto it = index_.find(pairKey(host, domain));
    if (it == index_.end()) return std::nullopt;
    const Pair& p = pairs_[it->second];
    if (p.host != host || p.domain != domain) return std::nullopt;
    return figuresOf(p);
}

} // namespace egressmon::dpi
