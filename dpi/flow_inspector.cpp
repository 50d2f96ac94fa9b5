#include "flow_inspector.h"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <unordered_map>

#include "core/home_net.h"
#include "http_message_parser.h"
#include "layer_scan.h"
#include "rules/keyword_encoding.h"
#include "rules/validators.h"
#include "smtp_command.h"
#include "snippet.h"

namespace egressmon::dpi {

namespace {
constexpr const char* kTcpLayer = "tcp.stream";
constexpr const char* kUdpLayer = "udp.datagram";

// Where the bytes of one direction go, relative to --home-net.
core::NetRelation bytesRelation(core::NetRelation flow_relation, bool to_server) {
    if (to_server) return flow_relation;
    switch (flow_relation) {
    case core::NetRelation::kEgress: return core::NetRelation::kIngress;
    case core::NetRelation::kIngress: return core::NetRelation::kEgress;
    default: return flow_relation;
    }
}
} // namespace

// A match waiting for classification. It carries its rule's protocol scope, so a reload that
// drops or renumbers the rule cannot change the verdict of a match made under it.
struct PendingMatch {
    static constexpr uint32_t kRuleGone = 0xffffffffu; // rule not in the current rule set
    uint32_t rule_index;
    std::vector<int> protocol_ids; // empty (no allocation) for rules without protocols
    core::Alert alert;
};

// The decoded layers open in one direction (a body and the part inside it...): each is its own
// layer instance with its own stream. Bound to a ScanContext only while a decoder runs.
struct LayerTable final : DecodedLayerSink {
    // At most InspectionConfig::max_open_layers at once (FlowInspector::layer_gather_ has one
    // buffer per slot). Allocated with the direction's decoder; may throw (caller catches).
    explicit LayerTable(uint32_t max_open) : slots(max_open), used(max_open, false) {}
    std::vector<LayerScanner> slots;
    std::vector<bool> used;
    ScanContext* ctx = nullptr;

    LayerId beginLayer(const char* name) noexcept override {
        for (uint32_t i = 0; i < slots.size(); ++i) {
            if (used[i]) continue;
            used[i] = true;
            slots[i] = LayerScanner{};
            slots[i].name = name;
            return i + 1;
        }
        // More nesting than configured: the raw stream still covers bytes passed through
        // unchanged, but what this layer would decode is not scanned, so it is counted.
        if (ctx) ctx->countRefusedLayer();
        return kNoLayer;
    }
    void layerData(LayerId id, const uint8_t* data, uint32_t len) noexcept override {
        if (!ctx) return;
        if (id == kNoLayer) {
            ctx->countRefusedBytes(len);
            return;
        }
        if (!used[id - 1]) return;
        noteCoverage(data, len);
        // Decoders hand their output over in small pieces (a chunk, a MIME line, a base64
        // line...). Inside a raw chunk the pieces are gathered and scanned in one call per
        // layer at the end of the chunk: each Hyperscan call has a fixed cost.
        if (raw_begin) {
            std::string& gathered = ctx->gatherBuffer(id - 1);
            try {
                gathered.append(reinterpret_cast<const char*>(data), len);
                return;
            } catch (const std::bad_alloc&) {
                flushGathered(id - 1); // keep the order, then scan this piece as it is
            }
        }
        ctx->scan(slots[id - 1], data, len);
    }
    void layerGap(LayerId id, uint64_t missing) noexcept override {
        if (!ctx || id == kNoLayer || !used[id - 1]) return;
        flushGathered(id - 1); // what came before the hole is scanned before it
        ctx->gap(slots[id - 1], missing);
    }
    void flushGathered(uint32_t slot) noexcept {
        std::string& gathered = ctx->gatherBuffer(slot);
        if (gathered.empty()) return;
        ctx->scan(slots[slot], reinterpret_cast<const uint8_t*>(gathered.data()),
                  static_cast<uint32_t>(gathered.size()));
        gathered.clear();
    }
    void flushAllGathered() noexcept {
        if (!ctx) return;
        for (uint32_t i = 0; i < slots.size(); ++i)
            if (used[i]) flushGathered(i);
    }

    // The raw chunk the decoders are working through, and the stretches of it they passed on
    // unchanged (an identity or de-chunked body points into the raw bytes): those stretches
    // were just scanned as a decoded layer and need no second scan as raw bytes.
    const uint8_t* raw_begin = nullptr;
    const uint8_t* raw_end = nullptr;
    static constexpr uint32_t kMaxCovered = 16;
    std::pair<uint32_t, uint32_t> covered[kMaxCovered]; // [from, to) offsets in the raw chunk
    uint32_t covered_count = 0;
    bool covered_overflow = false; // too many stretches to track: scan the raw chunk whole

    void beginRawChunk(const uint8_t* data, uint32_t len) noexcept {
        raw_begin = data, raw_end = data + len;
        covered_count = 0, covered_overflow = false;
    }
    void endRawChunk() noexcept { raw_begin = raw_end = nullptr; }
    void noteCoverage(const uint8_t* data, uint32_t len) noexcept {
        if (!raw_begin || data < raw_begin || data + len > raw_end || len == 0) return;
        if (covered_count == kMaxCovered) {
            covered_overflow = true;
            return;
        }
        const auto from = static_cast<uint32_t>(data - raw_begin);
        covered[covered_count++] = {from, from + len};
    }
    // The covered stretches sorted and merged; returns how many.
    uint32_t mergedCoverage() noexcept {
        if (covered_overflow) return 0;
        std::sort(covered, covered + covered_count);
        uint32_t n = 0;
        for (uint32_t i = 0; i < covered_count; ++i) {
            if (n > 0 && covered[i].first <= covered[n - 1].second)
                covered[n - 1].second = std::max(covered[n - 1].second, covered[i].second);
            else
                covered[n++] = covered[i];
        }
        return covered_count = n;
    }
    void endLayer(LayerId id) noexcept override {
        if (id == kNoLayer || !used[id - 1]) return;
        if (ctx) {
            flushGathered(id - 1);
            ctx->close(slots[id - 1]);
        }
        slots[id - 1] = LayerScanner{};
        used[id - 1] = false;
    }
    void endAll() noexcept {
        for (uint32_t i = 0; i < slots.size(); ++i)
            if (used[i]) endLayer(i + 1);
    }
};

struct DirectionState {
    std::unique_ptr<core::TcpReassembler> reassembler;
    LayerScanner raw; // the direction's reassembled stream (TCP) or current datagram (UDP)
    // HTTP when the direction's first bytes are an HTTP message, SMTP when the client's greet
    // an SMTP server; none otherwise.
    std::unique_ptr<StreamDecoder> decoder;
    // The decoder's output; allocated with the decoder (most directions have none).
    std::unique_ptr<LayerTable> layers;
    bool active = false; // some rule applies to these bytes
    bool depth_reached = false;
};

struct FlowInspection {
    DirectionState dir[2]; // [0] client -> server, [1] server -> client
    HttpPairing http_pairing;
    std::vector<uint32_t> alerted_rules;
    std::vector<PendingMatch> pending;
};

// Receives one direction's reassembled bytes: bounds them by the inspection depth, scans them as
// the raw layer and hands them to the direction's HTTP decoder, if any.
struct DirectionConsumer final : core::StreamConsumer {
    ScanContext& ctx;
    DirectionState& dir;
    FlowInspection& state;
    const InspectionConfig& config;
    InspectionCounters& counters;
    HttpDecoderCounters& http_counters;
    SmtpDecoderCounters& smtp_counters;
    bool to_server;

    DirectionConsumer(ScanContext& c, DirectionState& d, FlowInspection& st,
                      const InspectionConfig& cfg, InspectionCounters& cn, HttpDecoderCounters& hc,
                      SmtpDecoderCounters& sc, bool ts)
        : ctx(c), dir(d), state(st), config(cfg), counters(cn), http_counters(hc),
          smtp_counters(sc), to_server(ts) {
        if (dir.layers) dir.layers->ctx = &ctx;
    }
    ~DirectionConsumer() override {
        if (dir.layers) dir.layers->ctx = nullptr;
    }

    // Marks the direction as past the inspection depth (once).
    bool pastDepth() noexcept {
        if (dir.raw.offset < config.max_depth_bytes) return false;
        if (!dir.depth_reached) ++counters.depth_exceeded;
        dir.depth_reached = true;
        return true;
    }

    void onData(const uint8_t* data, uint32_t len) noexcept override {
        // A gap can carry the offset past the depth: test before subtracting.
        if (dir.depth_reached || pastDepth()) return;
        if (len > config.max_depth_bytes - dir.raw.offset) {
            len = static_cast<uint32_t>(config.max_depth_bytes - dir.raw.offset);
            dir.depth_reached = true;
            ++counters.depth_exceeded;
        }
        if (dir.raw.offset == 0 && len > 0) startDecoder(data, len);
        // Decoded layers first: when the same bytes match in a body and in the raw stream, the
        // alert names the body (and its offset in it), which tells the analyst far more.
        if (dir.layers) dir.layers->beginRawChunk(data, len);
        if (dir.decoder && !dir.decoder->stopped()) dir.decoder->onData(data, len, *dir.layers);
        if (dir.layers) dir.layers->flushAllGathered(); // decoded layers before the raw bytes
        scanRaw(data, len);
        if (dir.layers) dir.layers->endRawChunk();
    }

    // The direction's first bytes pick its decoder: an HTTP message either way, an SMTP session
    // from the client. A decoder comes with the layer table it writes into, or not at all.
    void startDecoder(const uint8_t* data, uint32_t len) noexcept {
        const std::string_view first(reinterpret_cast<const char*>(data), len);
        std::unique_ptr<StreamDecoder> decoder;
        if (startsHttpMessage(first, to_server))
            decoder.reset(new (std::nothrow) HttpDecoder(to_server, config.http, http_counters,
                                                         &state.http_pairing));
        else if (to_server && startsSmtpSession(first))
            decoder.reset(new (std::nothrow) SmtpDecoder(config.smtp, smtp_counters));
        if (!decoder) return;
        try {
            dir.layers = std::make_unique<LayerTable>(config.max_open_layers);
        } catch (const std::bad_alloc&) {
            return; // no decoder then: the raw stream is still scanned
        }
        dir.layers->ctx = &ctx;
        dir.decoder = std::move(decoder);
    }

    // Scans the raw bytes the decoded layers did not already scan unchanged. Skipped stretches
    // act as a gap in the raw stream: a match spanning a header and an identity body is not
    // seen (the body's own layer sees everything inside it).
    void scanRaw(const uint8_t* data, uint32_t len) noexcept {
        const uint32_t n = dir.layers ? dir.layers->mergedCoverage() : 0;
        if (n == 0) {
            ctx.scan(dir.raw, data, len);
            return;
        }
        uint32_t pos = 0;
        for (uint32_t i = 0; i < n; ++i) {
            const auto [from, to] = dir.layers->covered[i];
            if (from > pos) ctx.scan(dir.raw, data + pos, from - pos);
            ctx.skip(dir.raw, to - from);
            pos = to;
        }
        if (pos < len) ctx.scan(dir.raw, data + pos, len - pos);
    }
    void onGap(uint64_t missing) noexcept override {
        if (dir.depth_reached) return;
        ctx.gap(dir.raw, missing);
        if (dir.decoder) dir.decoder->onGap(missing, *dir.layers);
        pastDepth();
    }
    // End of the direction: a close-delimited body ends, every decoded layer is closed.
    void finish() noexcept {
        if (dir.decoder) dir.decoder->onEnd(*dir.layers);
        if (dir.layers) dir.layers->endAll();
    }
};

FlowInspector::FlowInspector(InspectionConfig config, std::shared_ptr<const rules::RuleSet> rules,
                             const std::function<int(const std::string&)>& protocol_id)
    : config_(config), protocol_id_(protocol_id), matcher_(rules) {
    budget_.max_bytes = config_.reassembly_budget_bytes;
    layer_gather_.resize(config_.max_open_layers);
    adopt(std::move(rules));
}

// Derives everything the packet path needs from `rules` into fresh containers, then swaps them
// in: if anything throws, the inspector is unchanged.
void FlowInspector::adopt(std::shared_ptr<const rules::RuleSet> rules) {
    rules::StreamMatcher matcher(rules);
    std::vector<RuleScope> scopes;
    std::vector<uint32_t> lengths;
    bool rules_for[3] = {false, false, false};
    for (const rules::Rule& r : rules->rules()) {
        RuleScope scope;
        for (const std::string& name : r.protocols)
            scope.protocol_ids.push_back(protocol_id_(name));
        scopes.push_back(std::move(scope));
        rules_for[static_cast<size_t>(r.direction)] = true;
    }
    for (const rules::PatternInfo& p : rules->patterns()) {
        // Without start-of-match, a keyword's start is its end minus its encoded length.
        lengths.push_back(
            p.is_regex ? 0
                       : static_cast<uint32_t>(rules::encodeKeyword(p.text, p.encoding).size()));
    }
    matcher_ = std::move(matcher);
    scopes_ = std::move(scopes);
    pattern_lengths_ = std::move(lengths);
    std::copy(std::begin(rules_for), std::end(rules_for), rules_for_);
    // Keywords report once per stream: a match dropped for want of a pending slot would be lost
    // for good, so there is always room for one per rule.
    config_.max_pending_alerts = std::max<uint32_t>(config_.max_pending_alerts,
                                                    static_cast<uint32_t>(rules->rules().size()));
}

void FlowInspector::switchRules(std::shared_ptr<const rules::RuleSet> rules,
                                core::FlowTable& table) {
    // Old rule index -> new one, by signature id (indices differ between rule sets).
    std::unordered_map<uint32_t, uint32_t> new_index;
    for (uint32_t i = 0; i < rules->rules().size(); ++i)
        new_index[rules->rules()[i].id] = i;
    std::vector<int64_t> moved; // old index -> new index, -1 when the rule is gone
    for (const rules::Rule& r : matcher_.ruleSet().rules()) {
        const auto it = new_index.find(r.id);
        moved.push_back(it == new_index.end() ? -1 : it->second);
    }
    const auto old_matcher_rules = matcher_.ruleSetPtr(); // keeps the old database alive below
    adopt(std::move(rules));                              // may throw: nothing changed then

    table.forEach([&](core::Flow& flow) {
        flow.inspection_declined = false; // the new rules may cover this flow after all
        FlowInspection* st = flow.inspection;
        if (!st) return;
        for (int d = 0; d < 2; ++d) {
            DirectionState& dir = st->dir[d];
            dir.raw.stream.reset(); // closed against the old database; reopens on the next byte
            if (dir.layers)
                for (LayerScanner& layer : dir.layers->slots)
                    layer.stream.reset();
            dir.active = appliesTo(bytesRelation(flow.relation, d == 0));
        }
        std::vector<uint32_t> alerted;
        for (uint32_t old : st->alerted_rules)
            if (old < moved.size() && moved[old] >= 0)
                alerted.push_back(static_cast<uint32_t>(moved[old]));
        st->alerted_rules = std::move(alerted);
        std::vector<PendingMatch> pending;
        // Matches made under the old rules still alert (with the policy that matched); those
        // whose rule is gone just no longer deduplicate against future matches.
        for (PendingMatch& pm : st->pending) {
            pm.rule_index = pm.rule_index >= moved.size() || moved[pm.rule_index] < 0
                                ? PendingMatch::kRuleGone
                                : static_cast<uint32_t>(moved[pm.rule_index]);
            pending.push_back(std::move(pm));
        }
        st->pending = std::move(pending);
    });
}

bool FlowInspector::appliesTo(core::NetRelation r) const noexcept {
    if (rules_for_[static_cast<size_t>(rules::RuleDirection::kAny)]) return true;
    if (r == core::NetRelation::kEgress)
        return rules_for_[static_cast<size_t>(rules::RuleDirection::kEgress)];
    if (r == core::NetRelation::kIngress)
        return rules_for_[static_cast<size_t>(rules::RuleDirection::kIngress)];
    return false;
}

FlowInspector::~FlowInspector() = default;

FlowInspection* FlowInspector::stateFor(core::Flow& flow) noexcept {
    if (flow.inspection) return flow.inspection;
    if (matcher_.empty() || flow.inspection_declined) return nullptr;
    const bool to_server = appliesTo(bytesRelation(flow.relation, true));
    const bool to_client = appliesTo(bytesRelation(flow.relation, false));
    if (!to_server && !to_client) {
        flow.inspection_declined = true; // no rule can ever match this flow: no state at all
        return nullptr;
    }
    auto* st = new (std::nothrow) FlowInspection{};
    if (!st) return nullptr;
    st->dir[0].active = to_server;
    st->dir[1].active = to_client;
    const char* raw_name = flow.key.ip_proto == core::ipproto::kTcp ? kTcpLayer : kUdpLayer;
    st->dir[0].raw.name = st->dir[1].raw.name = raw_name;
    flow.inspection = st;
    return st;
}

void FlowInspector::onPacket(core::Flow& flow, const core::Packet& p, bool to_server,
                             AlertSink& sink) noexcept {
    const bool tcp = p.ip_proto == core::ipproto::kTcp;
    if (!tcp && p.ip_proto != core::ipproto::kUdp) return;
    FlowInspection* st = stateFor(flow);
    if (!st) return;
    // Matches made before nDPI finished go out first: a new match of the same rule in this
    // packet must be a repeat of them, not replace them (their offset and time are earlier).
    if (!st->pending.empty() && flow.classification.done) settlePending(flow, *st, sink);
    DirectionState& dir = st->dir[to_server ? 0 : 1];
    if (dir.active && !dir.depth_reached) {
        ScanContext ctx(*this, flow, *st, to_server, p.ts_us, sink);
        const uint8_t* payload = p.data + p.payload_offset;
        if (tcp) {
            if (!dir.reassembler) {
                dir.reassembler.reset(new (std::nothrow)
                                          core::TcpReassembler(config_.reassembly, budget_));
            }
            DirectionConsumer consumer(ctx, dir, *st, config_, counters_, http_counters_,
                                       smtp_counters_, to_server);
            if (dir.reassembler)
                dir.reassembler->onSegment(p.tcp_seq, payload, p.payload_len, p.tcp_flags,
                                           consumer);
        } else if (p.payload_len > 0) {
            // Each datagram is its own layer instance: offsets restart, nothing spans two.
            dir.raw.offset = 0;
            dir.raw.stream_start = 0;
            dir.raw.tail.clear();
            const uint32_t len =
                static_cast<uint32_t>(std::min<uint64_t>(p.payload_len, config_.max_depth_bytes));
            if (len < p.payload_len) ++counters_.depth_exceeded;
            ctx.scan(dir.raw, payload, len);
            ctx.gap(dir.raw, 0); // flush end-anchored matches of this datagram
        }
    }
    // The ACK tells what the other side received, whether or not any rule inspects this
    // packet's own direction: with egress-only rules the receiver's ACKs travel in a direction
    // nothing inspects, and they are what gives up a hole that mirror-port loss left upstream.
    if (tcp) acknowledge(flow, *st, p, !to_server, sink);
    // Between datagrams a UDP flow needs state only to remember what it alerted on or what
    // waits for classification; without either it goes (~550 bytes per flow: most UDP flows
    // are DNS lookups that never alert) and is built again for the next datagram.
    if (!tcp && st->alerted_rules.empty() && st->pending.empty()) {
        delete st;
        flow.inspection = nullptr;
    }
}

void FlowInspector::acknowledge(core::Flow& flow, FlowInspection& st, const core::Packet& p,
                                bool data_to_server, AlertSink& sink) noexcept {
    // This packet's ACK tells what the other side received: holes it covers were capture loss.
    if (!(p.tcp_flags & core::tcpflag::kAck)) return;
    DirectionState& other = st.dir[data_to_server ? 0 : 1];
    if (!other.active || !other.reassembler || other.depth_reached) return;
    ScanContext ctx(*this, flow, st, data_to_server, p.ts_us, sink);
    DirectionConsumer consumer(ctx, other, st, config_, counters_, http_counters_, smtp_counters_,
                               data_to_server);
    other.reassembler->onAck(p.tcp_ack, consumer);
}

void FlowInspector::onFlowEnd(core::Flow& flow, AlertSink& sink) noexcept {
    FlowInspection* st = flow.inspection;
    if (!st) return;
    for (int d = 0; d < 2; ++d) {
        DirectionState& dir = st->dir[d];
        ScanContext ctx(*this, flow, *st, d == 0, flow.last_ts_us, sink);
        DirectionConsumer consumer(ctx, dir, *st, config_, counters_, http_counters_,
                                   smtp_counters_, d == 0);
        if (dir.reassembler) dir.reassembler->close(consumer);
        consumer.finish();
        ctx.close(dir.raw);
    }
    settlePending(flow, *st, sink);
    delete st;
    flow.inspection = nullptr;
}

bool FlowInspector::protocolAllows(const core::Flow& flow,
                                   const std::vector<int>& ids) const noexcept {
    if (ids.empty()) return true;
    const auto& c = flow.classification;
    for (int id : ids)
        if (id >= 0 && (id == c.master_protocol || id == c.app_protocol)) return true;
    return false;
}

void FlowInspector::settlePending(core::Flow& flow, FlowInspection& st, AlertSink& sink) noexcept {
    for (PendingMatch& pm : st.pending) {
        // A match whose rule a reload removed still alerts (under the policy that made it),
        // but has no index to deduplicate on: the rule cannot match again anyway. Its marker
        // never enters alerted_rules, which holds indices into the current rule set only.
        const bool rule_gone = pm.rule_index == PendingMatch::kRuleGone;
        if (!rule_gone && std::find(st.alerted_rules.begin(), st.alerted_rules.end(),
                                    pm.rule_index) != st.alerted_rules.end()) {
            ++counters_.repeat_matches;
            continue;
        }
        if (!protocolAllows(flow, pm.protocol_ids)) {
            ++counters_.protocol_filtered;
            continue;
        }
        try {
            if (!rule_gone) st.alerted_rules.push_back(pm.rule_index);
        } catch (const std::bad_alloc&) {
        }
        ++flow.alerts;
        ++counters_.alerts;
        sink.onAlert(flow, std::move(pm.alert));
    }
    st.pending.clear();
}

void FlowInspector::handleMatch(ScanContext& c, const rules::MatchEvent& event) noexcept {
    const rules::RuleSet& rs = matcher_.ruleSet();
    const rules::PatternInfo& pattern = rs.patterns()[event.pattern_id];
    const uint32_t rule_index = pattern.rule_index;
    const rules::Rule& rule = rs.rules()[rule_index];
    FlowInspection& st = c.state;
    if (std::find(st.alerted_rules.begin(), st.alerted_rules.end(), rule_index) !=
        st.alerted_rules.end()) {
        ++counters_.repeat_matches;
        return;
    }
    if (!c.flow.classification.done)
        for (const PendingMatch& pm : st.pending)
            if (pm.rule_index == rule_index) {
                ++counters_.repeat_matches;
                return;
            }
    // The byte direction must suit the rule (a flow can carry egress one way only).
    const core::NetRelation rel = bytesRelation(c.flow.relation, c.to_server);
    if ((rule.direction == rules::RuleDirection::kEgress && rel != core::NetRelation::kEgress) ||
        (rule.direction == rules::RuleDirection::kIngress && rel != core::NetRelation::kIngress))
        return;

    const uint64_t from =
        pattern.is_regex || pattern.needs_match_text
            ? event.from
            : event.to - std::min<uint64_t>(event.to, pattern_lengths_[event.pattern_id]);
    try {
        std::string text;
        if (rule.validator != rules::Validator::kNone) {
            if (!c.extract(from, event.to, text)) {
                ++counters_.validator_unavailable;
                return;
            }
            const bool ok = rule.validator == rules::Validator::kLuhn ? rules::luhnValid(text)
                                                                      : rules::gb11643Valid(text);
            if (!ok) {
                ++counters_.validator_rejected;
                return;
            }
        }
        core::Alert a;
        a.ts_us = c.ts_us;
        a.to_server = c.to_server;
        a.signature_id = rule.id;
        a.signature = rule.name;
        a.category = rule.category;
        a.severity = rule.severity;
        a.policy_version = rs.policyVersion();
        a.direction = core::netRelationName(rel);
        a.match = pattern.text;
        a.encoding = rules::encodingName(pattern.encoding);
        a.layer = c.current->name;
        a.offset = from;
        if (config_.context_width > 0) {
            // Never more than the configured width, and only bytes still held.
            const uint64_t start = std::max(
                c.heldStart(), event.to - std::min<uint64_t>(event.to, config_.context_width));
            if (c.extract(start, event.to, a.snippet)) {
                // A validated match keeps only its last 4 characters; no other number rides along.
                const bool validated = rule.validator != rules::Validator::kNone;
                const size_t keep_to = validated ? a.snippet.size() : 0;
                sanitizeSnippet(a.snippet, validated ? keep_to - std::min<size_t>(keep_to, 4) : 0,
                                keep_to);
            }
        }
        // Until nDPI has classified the flow, an alert could neither honour the rule's protocols
        // nor tell the analyst what the traffic is: it waits (bounded) and is settled when
        // classification ends, at the latest when the flow does.
        if (!c.flow.classification.done) {
            if (st.pending.size() >= config_.max_pending_alerts) {
                ++counters_.pending_overflow;
                return;
            }
            st.pending.push_back(
                PendingMatch{rule_index, scopes_[rule_index].protocol_ids, std::move(a)});
            return;
        }
        if (!protocolAllows(c.flow, scopes_[rule_index].protocol_ids)) {
            ++counters_.protocol_filtered;
            return;
        }
        st.alerted_rules.push_back(rule_index);
        ++c.flow.alerts;
        ++counters_.alerts;
        c.sink.onAlert(c.flow, std::move(a));
    } catch (const std::bad_alloc&) {
        // Out of memory building the alert: nothing sensible to do but count it as unavailable.
        ++counters_.validator_unavailable;
    }
}

} // namespace egressmon::dpi
