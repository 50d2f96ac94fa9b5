// Call flow, per delivery of bytes to one direction:
//
//   data -> depth bound -> (first bytes) choose the decoder -> decoder -> LayerTable (decoded
//           layers, scanned first) -> the raw bytes no layer passed on unchanged, scanned
//        -> ScanContext::onMatch -> handleMatch: dedup, direction, validator, snippet, alert
//           -> SessionOutput::offer.

#include "inspection_session.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "core/home_net.h"
#include "dpi/http_message_parser.h"
#include "dpi/inspect/inspection_engine.h"
#include "dpi/inspect/layer_table.h"
#include "dpi/smtp_command.h"
#include "dpi/smtp_decoder.h"
#include "dpi/snippet.h"
#include "rules/keyword_encoding.h"
#include "rules/validators.h"

namespace egressmon::dpi {

namespace {
size_t index(Direction d) {
    return static_cast<size_t>(d);
}
} // namespace

// While a decoder runs, its layer table reports to this call's ScanContext.
struct LayerBinding {
    LayerTable* layers;
    LayerBinding(LayerTable* l, ScanContext& ctx) noexcept : layers(l) {
        if (layers) layers->ctx = &ctx;
    }
    ~LayerBinding() {
        if (layers) layers->ctx = nullptr;
    }
    LayerBinding(const LayerBinding&) = delete;
    LayerBinding& operator=(const LayerBinding&) = delete;
};

InspectionSession::InspectionSession(InspectionEngine& engine, const SessionScope& scope) noexcept
    : engine_(engine), scope_(scope) {
    for (size_t d = 0; d < 2; ++d) {
        dir_[d].active = engine_.appliesTo(scope_.bytes_relation[d]);
        dir_[d].raw.name = scope_.raw_layer;
    }
}

InspectionSession::~InspectionSession() = default;

bool InspectionSession::wants(Direction d) const noexcept {
    const DirectionState& dir = dir_[index(d)];
    return dir.active && !dir.depth_reached;
}

// Marks the direction as past the inspection depth (once).
bool InspectionSession::pastDepth(DirectionState& dir) noexcept {
    if (dir.raw.offset < engine_.config().max_depth_bytes) return false;
    if (!dir.depth_reached) ++engine_.counters().depth_exceeded;
    dir.depth_reached = true;
    return true;
}

void InspectionSession::data(Direction d, const uint8_t* data, uint32_t len, uint64_t ts_us,
                             SessionOutput& out) noexcept {
    DirectionState& dir = dir_[index(d)];
    if (!dir.active || len == 0) return;
    // A gap can carry the offset past the depth: test before subtracting.
    if (dir.depth_reached || pastDepth(dir)) return;
    const uint64_t max_depth = engine_.config().max_depth_bytes;
    if (len > max_depth - dir.raw.offset) {
        len = static_cast<uint32_t>(max_depth - dir.raw.offset);
        dir.depth_reached = true;
        ++engine_.counters().depth_exceeded;
    }
    ScanContext ctx(engine_, *this, d == Direction::kToServer, ts_us, out);
    if (dir.raw.offset == 0) startDecoder(d, ctx, data, len);
    LayerBinding binding(dir.layers.get(), ctx);
    // Decoded layers first: when the same bytes match in a body and in the raw stream, the
    // alert names the body (and its offset in it), which tells the analyst far more.
    if (dir.layers) dir.layers->beginRawChunk(data, len);
    if (dir.decoder && !dir.decoder->stopped()) dir.decoder->onData(data, len, *dir.layers);
    if (dir.layers) dir.layers->flushAllGathered(); // decoded layers before the raw bytes
    scanRaw(dir, ctx, data, len);
    if (dir.layers) dir.layers->endRawChunk();
}

// The direction's first bytes pick its decoder: an HTTP message either way, an SMTP session
// from the client. A decoder comes with the layer table it writes into, or not at all.
void InspectionSession::startDecoder(Direction d, ScanContext& ctx, const uint8_t* data,
                                     uint32_t len) noexcept {
    DirectionState& dir = dir_[index(d)];
    const bool to_server = d == Direction::kToServer;
    const std::string_view first(reinterpret_cast<const char*>(data), len);
    std::unique_ptr<StreamDecoder> decoder;
    if (startsHttpMessage(first, to_server))
        decoder.reset(new (std::nothrow) HttpDecoder(to_server, engine_.config().http,
                                                     engine_.http(), &http_pairing_));
    else if (to_server && startsSmtpSession(first))
        decoder.reset(new (std::nothrow) SmtpDecoder(engine_.config().smtp, engine_.smtp()));
    if (!decoder) return;
    try {
        dir.layers = std::make_unique<LayerTable>(engine_.config().max_open_layers);
    } catch (const std::bad_alloc&) {
        return; // no decoder then: the raw stream is still scanned
    }
    dir.layers->ctx = &ctx;
    dir.decoder = std::move(decoder);
}

// Scans the raw bytes the decoded layers did not already scan unchanged. Skipped stretches act
// as a gap in the raw stream: a match spanning a header and an identity body is not seen (the
// body's own layer sees everything inside it).
void InspectionSession::scanRaw(DirectionState& dir, ScanContext& ctx, const uint8_t* data,
                                uint32_t len) noexcept {
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

void InspectionSession::gap(Direction d, uint64_t missing, uint64_t ts_us,
                            SessionOutput& out) noexcept {
    DirectionState& dir = dir_[index(d)];
    if (!dir.active || dir.depth_reached) return;
    ScanContext ctx(engine_, *this, d == Direction::kToServer, ts_us, out);
    ctx.gap(dir.raw, missing);
    LayerBinding binding(dir.layers.get(), ctx);
    if (dir.decoder) dir.decoder->onGap(missing, *dir.layers);
    pastDepth(dir);
}

void InspectionSession::datagram(Direction d, const uint8_t* data, uint32_t len, uint64_t ts_us,
                                 SessionOutput& out) noexcept {
    DirectionState& dir = dir_[index(d)];
    if (!dir.active || len == 0) return;
    // Each datagram is its own layer instance: offsets restart, nothing spans two.
    dir.raw.offset = 0;
    dir.raw.stream_start = 0;
    dir.raw.tail.clear();
    const uint64_t max_depth = engine_.config().max_depth_bytes;
    if (len > max_depth) {
        len = static_cast<uint32_t>(max_depth);
        ++engine_.counters().depth_exceeded;
    }
    ScanContext ctx(engine_, *this, d == Direction::kToServer, ts_us, out);
    ctx.scan(dir.raw, data, len);
    ctx.gap(dir.raw, 0); // flush end-anchored matches of this datagram
}

void InspectionSession::finishDirection(Direction d, uint64_t ts_us, SessionOutput& out) noexcept {
    DirectionState& dir = dir_[index(d)];
    ScanContext ctx(engine_, *this, d == Direction::kToServer, ts_us, out);
    {
        LayerBinding binding(dir.layers.get(), ctx);
        // A close-delimited body ends, every decoded layer is closed.
        if (dir.decoder) dir.decoder->onEnd(*dir.layers);
        if (dir.layers) dir.layers->endAll();
    }
    ctx.close(dir.raw);
}

void InspectionSession::end(uint64_t ts_us, SessionOutput& out) noexcept {
    finishDirection(Direction::kToServer, ts_us, out);
    finishDirection(Direction::kToClient, ts_us, out);
}

void InspectionSession::releaseRule(uint32_t rule_index) noexcept {
    alerted_rules_.erase(std::remove(alerted_rules_.begin(), alerted_rules_.end(), rule_index),
                         alerted_rules_.end());
}

void InspectionSession::rebase(const std::vector<int64_t>& moved) noexcept {
    for (DirectionState& dir : dir_) {
        dir.raw.stream.reset(); // closed against the old database; reopens on the next byte
        if (dir.layers)
            for (LayerScanner& layer : dir.layers->slots)
                layer.stream.reset();
        dir.active = false;
    }
    for (size_t d = 0; d < 2; ++d)
        dir_[d].active = engine_.appliesTo(scope_.bytes_relation[d]);
    std::vector<uint32_t> alerted;
    for (uint32_t old : alerted_rules_)
        if (old < moved.size() && moved[old] >= 0)
            alerted.push_back(static_cast<uint32_t>(moved[old]));
    alerted_rules_.swap(alerted); // never larger than before: no allocation can fail here
}

void InspectionSession::handleMatch(ScanContext& c, const rules::MatchEvent& event) noexcept {
    const rules::RuleSet& rs = engine_.matcher().ruleSet();
    const rules::PatternInfo& pattern = rs.patterns()[event.pattern_id];
    const uint32_t rule_index = pattern.rule_index;
    const rules::Rule& rule = rs.rules()[rule_index];
    InspectionCounters& counters = engine_.counters();
    if (std::find(alerted_rules_.begin(), alerted_rules_.end(), rule_index) !=
        alerted_rules_.end()) {
        ++counters.repeat_matches;
        return;
    }
    // The byte direction must suit the rule (a flow can carry egress one way only).
    const core::NetRelation rel = scope_.bytes_relation[c.to_server ? 0 : 1];
    if ((rule.direction == rules::RuleDirection::kEgress && rel != core::NetRelation::kEgress) ||
        (rule.direction == rules::RuleDirection::kIngress && rel != core::NetRelation::kIngress))
        return;

    const uint64_t from =
        pattern.is_regex || pattern.needs_match_text
            ? event.from
            : event.to - std::min<uint64_t>(event.to, engine_.patternLength(event.pattern_id));
    try {
        std::string text;
        if (rule.validator != rules::Validator::kNone) {
            if (!c.extract(from, event.to, text)) {
                ++counters.validator_unavailable;
                return;
            }
            const bool ok = rule.validator == rules::Validator::kLuhn ? rules::luhnValid(text)
                                                                      : rules::gb11643Valid(text);
            if (!ok) {
                ++counters.validator_rejected;
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
        const uint32_t context_width = engine_.config().context_width;
        if (context_width > 0) {
            // Never more than the configured width, and only bytes still held.
            const uint64_t start =
                std::max(c.heldStart(), event.to - std::min<uint64_t>(event.to, context_width));
            if (c.extract(start, event.to, a.snippet)) {
                // A validated match keeps only its last 4 characters; no other number rides along.
                const bool validated = rule.validator != rules::Validator::kNone;
                const size_t keep_to = validated ? a.snippet.size() : 0;
                sanitizeSnippet(a.snippet, validated ? keep_to - std::min<size_t>(keep_to, 4) : 0,
                                keep_to);
            }
        }
        alerted_rules_.reserve(alerted_rules_.size() + 1); // before the alert leaves
        if (c.output.offer(rule_index, std::move(a)) != SessionOutput::Verdict::kRefused)
            alerted_rules_.push_back(rule_index);
    } catch (const std::bad_alloc&) {
        // Out of memory building the alert: nothing sensible to do but count it as unavailable.
        ++counters.validator_unavailable;
    }
}

} // namespace egressmon::dpi
