#pragma once
// DNS tunnelling and exfiltration by volume of new names: per (querying host, registered
// domain), over a tumbling window, how many distinct names the host asked for under the domain,
// how many bytes those names carry left of the domain, and how random their characters are
// (Shannon entropy per name, bits per character, averaged over the window's names) or how many
// of them carry bytes no host name has (8-bit encodings such as iodine's base128). A tunnel
// (iodine, dnscat2, DNSExfiltrator, a base32 exfiltration loop) must put its data in new names,
// so all three grow together; ordinary lookups repeat names, use few of them per domain, or use
// short or readable ones. The share of messages with TXT or NULL types (queried or answered) or
// an explicit CNAME query is reported beside them (DESIGN.md says why it is not a condition).
//
// Call flow, on the worker that owns the DNS flow (no locks; one detector per worker):
//
//   observeDatagram(src, dst, udp payload, ts)      parses (dns_message.h), counts malformed,
//     └ observe(querying host, name, qtype, ts, answers)   keys the pair, rolls its window,
//         └ a verdict once per (host, domain, window)      when every threshold is crossed
//   expire(now)                                      between batches: drops idle pairs
//
// Memory is bounded by the configuration: at most max_tracked_pairs pairs (the least recently
// seen evicted and counted), each with a distinct-name set of at most max_names_per_pair
// 32-bit hashes. A host's queries to one domain spread over several workers (different source
// ports hash to different workers) are counted apart: each worker sees its own share.
//
// Failure: the constructor validates the configuration (std::invalid_argument); the rest is
// noexcept. Allocation happens only as pairs and name sets grow toward their bounds.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/counter_table.h"
#include "core/ip_address.h"
#include "dns_message.h"
#include "registered_domain.h"

namespace egressmon::dpi {

// Defaults (DESIGN.md has the figures they were chosen from): a tunnel moving a few hundred
// bytes a minute is flagged within a minute; the ordinary captures stay under every bound.
struct DnsTunnelConfig {
    uint32_t window_seconds = 60;
    uint32_t min_distinct_names = 30; // new names under one domain in a window
    uint32_t min_name_bytes = 1200;   // bytes of those names left of the domain (dots counted)
    double min_mean_entropy = 4.4;    // bits per character, mean over the window's names
    // ... or, in place of the entropy, this share of the window's names carrying bytes no host
    // name has (outside a-z 0-9 '-' '_'): iodine's base128 and raw encodings.
    double min_odd_name_share = 0.5;
    uint32_t max_tracked_pairs = 8192; // (host, domain) pairs held; the least recent evicted
    uint32_t max_names_per_pair = 256; // distinct names remembered per pair and window

    // Throws std::invalid_argument naming the bad field (a zero bound, an entropy outside
    // 0..8, a share outside 0..1, max_names_per_pair below min_distinct_names: the threshold could
    // never be met).
    void validate() const;
};

// One X(...) per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_DNS_TUNNEL_COUNTERS(X)                                                           \
    X(messages, "messages", "DNS queries and responses seen by the tunnel detector",               \
      counter::series("message"))                                                                  \
    X(malformed, "messages",                                                                       \
      "DNS messages the tunnel detector's parser refused or found cut (see dns_message.h)",        \
      counter::series("malformed"))                                                                \
    X(tunnels, "verdicts", "(host, registered domain, window) triples flagged as DNS tunnels",     \
      counter::series("tunnel"))                                                                   \
    X(pairs_evicted, "pairs",                                                                      \
      "(host, registered domain) pairs dropped, least recently seen, to stay within the bound",    \
      counter::series("pair_evicted").limit("policy.dns-tunnel-max-pairs"))                        \
    X(pairs_expired, "pairs", "(host, registered domain) pairs dropped after a window idle",       \
      counter::series("pair_expired"))                                                             \
    X(name_sets_full, "windows",                                                                   \
      "Pair windows whose distinct-name set filled (later unseen names counted as new)",           \
      counter::series("name_set_full").limit("policy.dns-tunnel-max-names"))                       \
    /* one X(...) per counter, above this line */

struct DnsTunnelCounters {
    EGRESSMON_DNS_TUNNEL_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(DnsTunnelCounters, EGRESSMON_DNS_TUNNEL_COUNTERS, "dns_tunnel",
                            "dns_tunnel", "egressmon_dns_tunnel_events_total")
    EGRESSMON_COUNTER_SUM(DnsTunnelCounters)
};

// What a verdict (or figures()) reports for one (host, domain) window.
struct DnsTunnelFigures {
    core::IpAddress host;
    std::string_view domain; // valid until the detector's next non-const call
    uint32_t distinct_names = 0;
    bool names_saturated = false; // the name set filled: distinct_names may count repeats
    uint64_t name_bytes = 0;
    double mean_entropy = 0;     // bits per character
    uint32_t messages = 0;       // queries and responses in the window
    uint32_t typed_messages = 0; // of which TXT/NULL query or answer, or a CNAME query
    uint32_t odd_names = 0;      // names with bytes outside a-z 0-9 '-' '_' left of the domain
    double oddShare() const noexcept {
        return distinct_names == 0 ? 0.0 : static_cast<double>(odd_names) / distinct_names;
    }
    double typedShare() const noexcept {
        return messages == 0 ? 0.0 : static_cast<double>(typed_messages) / messages;
    }
    uint64_t window_start_us = 0;
    uint64_t last_us = 0;
    uint32_t window_seconds = 0;
};

class DnsTunnelDetector {
  public:
    // `domains` is shared read-only by every worker's detector.
    DnsTunnelDetector(const DnsTunnelConfig& config,
                      std::shared_ptr<const RegisteredDomains> domains);
    ~DnsTunnelDetector();
    DnsTunnelDetector(const DnsTunnelDetector&) = delete;
    DnsTunnelDetector& operator=(const DnsTunnelDetector&) = delete;

    // One DNS message from a UDP datagram (or a TCP record) between `src` and `dst`: the
    // querying host is `src` for a query, `dst` for a response. Malformed messages are counted;
    // one whose question was read (answers cut) is still observed. Returns a verdict as
    // observe() does.
    std::optional<DnsTunnelFigures> observeMessage(const core::IpAddress& src,
                                                   const core::IpAddress& dst,
                                                   std::span<const uint8_t> message,
                                                   uint64_t ts_us) noexcept;

    // One query (answers null) or response (answers: what its answer section held) by `host`
    // for `name` (lower-case dotted text). A name is counted once per window, by whichever of
    // its query and response comes first. Returns the figures when this call makes the pair
    // cross every threshold for the first time in its window, else nullopt.
    std::optional<DnsTunnelFigures> observe(const core::IpAddress& host, std::string_view name,
                                            uint16_t qtype, uint64_t ts_us,
                                            const DnsAnswerSummary* answers = nullptr) noexcept;

    // Drops pairs not seen for a whole window (their figures are stale). Cheap when nothing is
    // due: walks the least recently seen end only.
    void expire(uint64_t now_us) noexcept;

    // The current window's figures of (host, domain), if the pair is tracked.
    std::optional<DnsTunnelFigures> figures(const core::IpAddress& host,
                                            std::string_view domain) const noexcept;

    size_t pairsTracked() const noexcept; // a gauge: the counter tables hold totals only
    const DnsTunnelCounters& counters() const noexcept { return counters_; }
    const DnsTunnelConfig& config() const noexcept { return config_; }

    // Shannon entropy of `text`'s bytes, dots left out, in bits per character (0 for "").
    static double labelEntropy(std::string_view text) noexcept;
    // True when `text` has a byte outside a-z 0-9 '-' '_' and '.' (names arrive lower-cased).
    static bool hasOddBytes(std::string_view text) noexcept;

  private:
    struct Pair;
    uint32_t findOrAdd(const core::IpAddress& host, std::string_view domain, uint64_t key,
                       uint64_t ts_us) noexcept;
    void unlink(uint32_t slot) noexcept;
    void pushFront(uint32_t slot) noexcept;
    void drop(uint32_t slot) noexcept;
    DnsTunnelFigures figuresOf(const Pair& pair) const noexcept;
    // registeredDomain through a small cache: a response names its query's name, and ordinary
    // traffic repeats names; libpsl's lookup is most of the detector's cost (bench/RESULTS.md).
    std::string_view registeredDomainOf(std::string_view name, uint64_t name_hash) noexcept;

    // Direct-mapped by the name's 64-bit hash (a collision with the same length would give the
    // other name's domain length: odds about 2^-64 per lookup).
    struct DomainCacheEntry {
        uint64_t name_hash = 0;
        uint32_t name_len = 0;
        uint32_t domain_len = 0;
    };
    std::array<DomainCacheEntry, 1024> domain_cache_{};

    DnsTunnelConfig config_;
    std::shared_ptr<const RegisteredDomains> domains_;
    uint64_t window_us_ = 0;
    std::vector<Pair> pairs_;                      // slots, at most max_tracked_pairs
    std::vector<uint32_t> free_slots_;             // slots of dropped pairs
    std::unordered_map<uint64_t, uint32_t> index_; // key hash -> slot
    uint32_t head_ = kNone;                        // most recently seen
    uint32_t tail_ = kNone;                        // least recently seen
    DnsTunnelCounters counters_;
    static constexpr uint32_t kNone = UINT32_MAX;
};

} // namespace egressmon::dpi
