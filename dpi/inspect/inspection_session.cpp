// Call flow, per delivery of bytes to one direction:
//
//   data -> depth bound -> (first bytes) choose the decoder -> decoder -> LayerTable (decoded
//           layers, scanned first) -> the raw bytes no layer passed on unchanged, scanned
//        -> ScanContext::onMatch -> handleMatch: dedup, direction, validator, snippet, alert
//           -> SessionOutput::offer.

#include "dpi/inspect/inspection_session.h"

#include <algorithm>
#include <new>
#include <string>
#include <string_view>

#include "core/home_net.h"
#include "dpi/decode/http/http_message_parser.h"
#include "dpi/decode/smtp/smtp_command.h"
#include "dpi/inspect/file_judgement.h"
#include "dpi/inspect/inspection_engine.h"
#include "dpi/inspect/layer_table.h"
#include "dpi/inspect/snippet.h"
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
    if (dir.depth_reached) return false;
    if (dir.active) return true;
    // Bytes no rule inspects, while they may still turn out to be, or are, a companion stream.
    const DirectionState& other = dir_[1 - index(d)];
    if (!other.active) return false;
    if (dir.sniffing) return true;
    return dir.companion && dir.decoder && !dir.decoder->stopped();
}

// Marks the direction as past the inspection depth (once).
bool InspectionSession::pastDepth(DirectionState& dir) noexcept {
    if (dir.raw.offset < engine_.config().max_depth_bytes) return false;
    reachDepth(dir);
    return true;
}

// Once per direction. A companion direction stops there too, but no inspection was cut: not
// counted.
void InspectionSession::reachDepth(DirectionState& dir) noexcept {
    if (!dir.depth_reached && dir.active) ++engine_.counters().depth_exceeded;
    dir.depth_reached = true;
}

void InspectionSession::data(Direction d, const uint8_t* data, uint32_t len, uint64_t ts_us,
                             SessionOutput& out) noexcept {
    DirectionState& dir = dir_[index(d)];
    if (len == 0 || !wants(d)) return;
    // A gap can carry the offset past the depth: test before subtracting.
    if (pastDepth(dir)) return;
    const uint64_t max_depth = engine_.config().max_depth_bytes;
    if (len > max_depth - dir.raw.offset) {
        len = static_cast<uint32_t>(max_depth - dir.raw.offset);
        reachDepth(dir);
    }
    ScanContext ctx(engine_, *this, d == Direction::kToServer, ts_us, out);
    if (dir.sniffing) sniff(d, ctx, data, len);
    if (!dir.active) { // a companion: parsed for the other direction, never scanned
        if (dir.decoder && !dir.decoder->stopped()) feedDecoder(dir, data, len);
        dir.raw.offset += len;
        return;
    }
    {
        LayerBinding binding(dir.layers.get(), ctx);
        // Decoded layers first: when the same bytes match in a body and in the raw stream, the
        // alert names the body (and its offset in it), which tells the analyst far more.
        if (dir.layers) dir.layers->beginRawChunk(data, len);
        if (dir.decoder && !dir.decoder->stopped()) feedDecoder(dir, data, len);
        if (dir.layers) dir.layers->flushAllGathered(); // decoded layers before the raw bytes
        scanRaw(dir, ctx, data, len);
        // A request without a body leaves its raw stream open through the whole download that
        // answers it: closed now, it costs an open at the next request instead of ~2 KiB (at
        // 10,000 patterns) per waiting connection.
        if (dir.raw.stream && dir.decoder && dir.decoder->betweenMessages()) ctx.close(dir.raw);
        if (dir.layers) dir.layers->endRawChunk();
        // extraction.max-flow-decoded-bytes: the layers end here (their files are reported,
        // uninspectable), then nothing more is decoded; the raw stream goes on being scanned.
        if (dir.layers && dir.layers->decoded_bound_reached) dir.layers->endAll();
    }
    if (dir.layers && dir.layers->decoded_bound_reached) dropDecoder(dir);
}

namespace {
// Where companion decoders write: they open no layer (pairing-only HTTP, SMTP replies).
struct NoLayers final : DecodedLayerSink {
    LayerId beginLayer(const LayerInfo&, LayerId) noexcept override { return kNoLayer; }
    void layerData(LayerId, const uint8_t*, uint32_t) noexcept override {}
    void layerGap(LayerId, uint64_t) noexcept override {}
    void endLayer(LayerId) noexcept override {}
};
DecodedLayerSink& sinkOf(LayerTable* layers) noexcept {
    if (layers) return *layers;
    // Never destroyed: a worker may still decode while the process exits.
    static NoLayers& no_layers = *new NoLayers;
    return no_layers;
}
} // namespace

void InspectionSession::feedDecoder(DirectionState& dir, const uint8_t* data,
                                    uint32_t len) noexcept {
    dir.decoder->onData(data, len, sinkOf(dir.layers.get()));
}

// The direction's first bytes pick its decoder. They may come one byte at a time ("P" then
// "OST /..."), so up to kSniffBytes are held until every sniffer has said yes or no; a decoder
// chosen late is first fed the held bytes (already scanned raw), then the current ones.
void InspectionSession::sniff(Direction d, ScanContext& ctx, const uint8_t* data,
                              uint32_t len) noexcept {
    DirectionState& dir = dir_[index(d)];
    char prefix[kSniffBytes];
    const uint32_t held = dir.sniff_len;
    const uint32_t take = std::min<uint32_t>(len, kSniffBytes - held);
    std::copy(dir.sniff_held, dir.sniff_held + held, prefix);
    std::copy(data, data + take, prefix + held);
    bool need_more = false;
    std::unique_ptr<StreamDecoder> decoder =
        chooseDecoder(d, std::string_view(prefix, held + take), need_more);
    // TLS records only matter to a direction that is scanned and ignores application data.
    const SniffResult tls =
        decoder || !dir.active || engine_.config().tls_application_data
            ? SniffResult::kNo
            : sniffTlsRecord(reinterpret_cast<const uint8_t*>(prefix), held + take);
    need_more = need_more || tls == SniffResult::kNeedMore;
    if (need_more && held + take < kSniffBytes) {
        std::copy(data, data + take, dir.sniff_held + held); // take == len here
        dir.sniff_len = static_cast<uint8_t>(held + take);
        return;
    }
    dir.sniffing = false;
    dir.sniff_len = 0;
    if (!decoder) {
        if (tls == SniffResult::kYes) startTlsFilter(dir, ctx, held);
        afterSniff(d);
        return;
    }
    if (dir.active) {
        try {
            dir.layers = std::make_unique<LayerTable>(
                engine_.config().max_open_layers, engine_.config().max_file_depth,
                engine_.config().file_records, engine_.config().max_flow_decoded_bytes);
        } catch (const std::bad_alloc&) {
            return; // no decoder then: the raw stream is still scanned
        }
    } else {
        dir.companion = true;
    }
    dir.decoder = std::move(decoder);
    afterSniff(d);
    if (held > 0) {
        LayerBinding binding(dir.layers.get(), ctx);
        feedDecoder(dir, reinterpret_cast<const uint8_t*>(dir.sniff_held), held);
        if (dir.layers) dir.layers->flushAllGathered();
    }
}

// A direction's decoder is chosen (or none will be): what the other direction parses only for
// this one's decoder goes when this one did not get the decoder it was parsed for. HTTP
// requests are remembered for a response decoder; SMTP replies are read for a client decoder.
void InspectionSession::afterSniff(Direction d) noexcept {
    const auto isA = [](const DirectionState& state, DecoderKind kind) {
        return state.decoder && state.decoder->kind() == kind;
    };
    DirectionState& dir = dir_[index(d)];
    DirectionState& other = dir_[1 - index(d)];
    if (d == Direction::kToClient) {
        if (isA(dir, DecoderKind::Http)) return;
        http_pairing_.unread = true; // no response decoder: requests need not be remembered
        if (other.companion && isA(other, DecoderKind::Http)) dropDecoder(other);
    } else {
        if (isA(dir, DecoderKind::SmtpClient)) return;
        // Not an SMTP client after all (an FTP client under a "220" banner...): the server's
        // lines answer nothing the sensor decodes.
        if (isA(other, DecoderKind::SmtpReplies)) dropDecoder(other);
    }
}

// A decoder's layers end without their ends being scanned: their streams were reset (reload) or
// are of no use (a companion has none).
void InspectionSession::dropDecoder(DirectionState& dir) noexcept {
    if (dir.layers)
        for (uint32_t i = 0; i < dir.layers->slots.size(); ++i)
            dir.layers->used[i] = false;
    dir.decoder.reset();
    dir.layers.reset();
    dir.companion = false;
}

// HTTP either way (a request decoder shares the HEAD pairing only with a response decoder that
// will read it); SMTP from the client, and the server's replies alongside it, so the client's
// decoder knows how STARTTLS was answered. A direction no rule inspects gets only the decoders
// the other direction needs. need_more: some sniffer wants more bytes before it can tell.
std::unique_ptr<StreamDecoder>
InspectionSession::chooseDecoder(Direction d, std::string_view prefix, bool& need_more) noexcept {
    const bool to_server = d == Direction::kToServer;
    const bool active = dir_[index(d)].active;
    const bool other_active = dir_[1 - index(d)].active;
    const InspectionConfig& config = engine_.config();
    try { // a decoder allocates its parts in its constructor: out of memory, no decoder
        return makeDecoder(to_server, active, other_active, config, prefix, need_more);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

std::unique_ptr<StreamDecoder> InspectionSession::makeDecoder(bool to_server, bool active,
                                                              bool other_active,
                                                              const InspectionConfig& config,
                                                              std::string_view prefix,
                                                              bool& need_more) {
    const SniffResult http = sniffHttpMessage(prefix, to_server);
    if (http == SniffResult::kYes) {
        if (to_server) {
            HttpPairing* pairing = other_active ? &http_pairing_ : nullptr;
            const HttpDecoderMode mode =
                active ? HttpDecoderMode::Decode : HttpDecoderMode::PairingOnly;
            return std::unique_ptr<StreamDecoder>(new HttpDecoder(true, config.http, engine_.http(),
                                                                  pairing, mode, &engine_.files()));
        }
        if (!active) return nullptr; // nothing needs responses no rule inspects
        return std::unique_ptr<StreamDecoder>(
            new HttpDecoder(false, config.http, engine_.http(), &http_pairing_,
                            HttpDecoderMode::Decode, &engine_.files()));
    }
    const SniffResult smtp = to_server ? sniffSmtpSession(prefix) : sniffSmtpReplies(prefix);
    if (smtp == SniffResult::kYes) {
        if (to_server) {
            if (!active) return nullptr;
            return std::unique_ptr<StreamDecoder>(
                new SmtpDecoder(config.smtp, engine_.smtp(), &smtp_pairing_, engine_.files()));
        }
        if (!other_active) return nullptr; // only the client's decoder reads the replies
        return std::unique_ptr<StreamDecoder>(
            new SmtpReplyDecoder(config.smtp, engine_.smtp(), smtp_pairing_));
    }
    need_more = http == SniffResult::kNeedMore || smtp == SniffResult::kNeedMore;
    return nullptr;
}

// The held first bytes were scanned already; the filter reads them (they begin the first
// record) but they are not given to the scanner twice.
void InspectionSession::startTlsFilter(DirectionState& dir, ScanContext& ctx,
                                       uint32_t held) noexcept {
    dir.tls.reset(new (std::nothrow) TlsRecordFilter); // out of memory: everything is scanned
    if (!dir.tls) return;
    dir.tls_already_scanned = static_cast<uint8_t>(held);
    scanTls(dir, ctx, reinterpret_cast<const uint8_t*>(dir.sniff_held), held);
}

void InspectionSession::tlsRun(DirectionState& dir, ScanContext& ctx, TlsRecordFilter::Run run,
                               const uint8_t* bytes, uint32_t n) noexcept {
    const uint32_t already = std::min<uint32_t>(n, dir.tls_already_scanned);
    dir.tls_already_scanned = static_cast<uint8_t>(dir.tls_already_scanned - already);
    bytes += already, n -= already;
    if (n == 0) return;
    switch (run) {
    case TlsRecordFilter::Run::kRead: ctx.scan(dir.raw, bytes, n); break;
    case TlsRecordFilter::Run::kCiphertext:
        engine_.counters().tls_ciphertext_bytes += n;
        // Nothing before it can match across it: the stream's memory goes back now rather
        // than at the flow's end (most TLS flows scan nothing more after their hello).
        if (dir.raw.stream) ctx.close(dir.raw);
        ctx.skip(dir.raw, n);
        break;
    case TlsRecordFilter::Run::kFraming: ctx.skip(dir.raw, n); break;
    }
}

// Calls step(filter, runs) with the direction's filter and its runs going to tlsRun; a filter
// that lost the framing there is counted and dropped (everything is scanned from then on).
template <class Step>
void InspectionSession::tlsStep(DirectionState& dir, ScanContext& ctx, Step&& step) noexcept {
    step(*dir.tls, [&](TlsRecordFilter::Run run, const uint8_t* bytes, uint32_t n) {
        tlsRun(dir, ctx, run, bytes, n);
    });
    if (dir.tls->lost()) {
        ++engine_.counters().tls_framing_lost;
        dir.tls.reset();
    }
}

void InspectionSession::scanTls(DirectionState& dir, ScanContext& ctx, const uint8_t* data,
                                uint32_t len) noexcept {
    tlsStep(dir, ctx, [&](TlsRecordFilter& f, auto&& runs) { f.walk(data, len, runs); });
}

// A hole in a TLS direction: still in step inside a record's body; otherwise the framing is
// lost (a header held so far is scanned first) and the rest is scanned as it comes.
void InspectionSession::tlsGap(DirectionState& dir, ScanContext& ctx, uint64_t missing) noexcept {
    tlsStep(dir, ctx, [&](TlsRecordFilter& f, auto&& runs) { f.gap(missing, runs); });
}

// Scans the raw bytes the decoded layers did not already scan unchanged. Skipped stretches act
// as a gap in the raw stream: a match spanning a header and an identity body is not seen (the
// body's own layer sees everything inside it).
void InspectionSession::scanRaw(DirectionState& dir, ScanContext& ctx, const uint8_t* data,
                                uint32_t len) noexcept {
    if (dir.tls) {
        scanTls(dir, ctx, data, len);
        return;
    }
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
    if (!wants(d)) return;
    // A hole before a decoder was chosen: what follows it cannot be told from its start.
    if (dir.sniffing) {
        dir.sniffing = false, dir.sniff_len = 0;
        afterSniff(d);
    }
    ScanContext ctx(engine_, *this, d == Direction::kToServer, ts_us, out);
    if (dir.active) {
        if (dir.tls) tlsGap(dir, ctx, missing);
        ctx.gap(dir.raw, missing);
    } else {
        dir.raw.offset += missing;
    }
    LayerBinding binding(dir.layers.get(), ctx);
    if (dir.decoder) dir.decoder->onGap(missing, sinkOf(dir.layers.get()));
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

void InspectionSession::endDirection(Direction d, uint64_t ts_us, SessionOutput& out) noexcept {
    DirectionState& dir = dir_[index(d)];
    ScanContext ctx(engine_, *this, d == Direction::kToServer, ts_us, out);
    {
        LayerBinding binding(dir.layers.get(), ctx);
        // A close-delimited body ends, every decoded layer is closed.
        if (dir.decoder) dir.decoder->onEnd(sinkOf(dir.layers.get()));
        if (dir.layers) dir.layers->endAll();
    }
    if (dir.active) {
        // A header cut by the end is scanned: a few bytes, but not framing after all.
        if (dir.tls) tlsStep(dir, ctx, [](TlsRecordFilter& f, auto&& runs) { f.end(runs); });
        ctx.close(dir.raw);
    }
}

void InspectionSession::end(uint64_t ts_us, SessionOutput& out) noexcept {
    endDirection(Direction::kToServer, ts_us, out);
    endDirection(Direction::kToClient, ts_us, out);
}

void InspectionSession::releaseRule(uint32_t rule_index) noexcept {
    alerted_rules_.erase(std::remove(alerted_rules_.begin(), alerted_rules_.end(), rule_index),
                         alerted_rules_.end());
}

void InspectionSession::rebase(const std::vector<int64_t>& moved) noexcept {
    for (size_t d = 0; d < 2; ++d) {
        DirectionState& dir = dir_[d];
        dir.raw.stream.reset(); // closed against the old database; reopens on the next byte
        if (dir.layers)
            for (LayerScanner& layer : dir.layers->slots)
                layer.stream.reset();
        const bool active = engine_.appliesTo(scope_.bytes_relation[d]);
        if (active == dir.active) continue;
        // The rules now cover this direction, or no longer do: what was chosen for it (a
        // decoder with layers, a companion parser, held first bytes) was chosen for the other
        // case. It starts over at its next bytes, as a direction picked up mid-stream does
        // (offsets go on counting; a decoder is chosen only if those bytes start a message).
        dir.active = active;
        dropDecoder(dir);
        // A header the filter held was delivered: it counts in the offsets of what follows.
        if (dir.tls && dir.tls->heldBytes() > dir.tls_already_scanned)
            dir.raw.offset += dir.tls->heldBytes() - dir.tls_already_scanned;
        dir.tls.reset();
        dir.tls_already_scanned = 0;
        dir.sniffing = true;
        dir.sniff_len = 0;
    }
    // In place: a reload must not fail for want of memory.
    size_t kept = 0;
    for (uint32_t old : alerted_rules_)
        if (old < moved.size() && moved[old] >= 0)
            alerted_rules_[kept++] = static_cast<uint32_t>(moved[old]);
    alerted_rules_.resize(kept);
}

bool InspectionSession::alerted(uint32_t rule_index) const noexcept {
    return std::find(alerted_rules_.begin(), alerted_rules_.end(), rule_index) !=
           alerted_rules_.end();
}

// The byte direction must suit the rule (a flow can carry egress one way only).
bool InspectionSession::directionAllows(const rules::Rule& rule, bool to_server) const noexcept {
    const core::NetRelation rel = scope_.bytes_relation[to_server ? 0 : 1];
    return !(rule.direction == rules::RuleDirection::kEgress &&
             rel != core::NetRelation::kEgress) &&
           !(rule.direction == rules::RuleDirection::kIngress &&
             rel != core::NetRelation::kIngress);
}

// What every alert of `rule` says, whatever it is about. May throw std::bad_alloc.
core::Alert InspectionSession::baseAlert(const ScanContext& c, const rules::Rule& rule) const {
    core::Alert a;
    a.ts_us = c.ts_us;
    a.to_server = c.to_server;
    a.signature_id = rule.id;
    a.signature = rule.name;
    a.category = rule.category;
    a.severity = rule.severity;
    a.policy_version = engine_.matcher().ruleSet().policyVersion();
    a.direction = core::netRelationName(scope_.bytes_relation[c.to_server ? 0 : 1]);
    return a;
}

void InspectionSession::deliver(ScanContext& c, uint32_t rule_index, core::Alert&& a) {
    alerted_rules_.reserve(alerted_rules_.size() + 1); // before the alert leaves
    if (c.output.offer(rule_index, std::move(a)) != SessionOutput::Verdict::kRefused)
        alerted_rules_.push_back(rule_index);
}

void InspectionSession::handleMatch(ScanContext& c, const rules::MatchEvent& event) noexcept {
    const rules::RuleSet& rs = engine_.matcher().ruleSet();
    const rules::PatternInfo& pattern = rs.patterns()[event.pattern_id];
    const uint32_t rule_index = pattern.rule_index;
    const rules::Rule& rule = rs.rules()[rule_index];
    InspectionCounters& counters = engine_.counters();
    if (alerted(rule_index)) {
        ++counters.repeat_matches;
        return;
    }
    if (!directionAllows(rule, c.to_server)) return;
    // The file the alert is about, when the match lies inside one.
    LayerTable* table = dir_[c.to_server ? 0 : 1].layers.get();
    const LayerId at = table ? table->idOf(c.current) : kNoLayer;
    const LayerId judged = at != kNoLayer ? judgedFile(*table, at, rule) : kNoLayer;
    if (rule.file_conditions.present && judged == kNoLayer) {
        ++counters.file_filtered;
        return;
    }

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
        core::Alert a = baseAlert(c, rule);
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
        if (judged != kNoLayer) a.file = describeFile(*table, table->fileAtOrAbove(at), judged);
        if (rule.file_conditions.present &&
            !rules::holdAlready(rule.file_conditions, fileFacts(*table, judged))) {
            holdUntilFileEnd(*table, judged, rule_index, std::move(a));
            return;
        }
        deliver(c, rule_index, std::move(a));
    } catch (const std::bad_alloc&) {
        // Out of memory building the alert: nothing sensible to do but count it as unavailable.
        ++counters.validator_unavailable;
    }
}

// The rule's size, encrypted or uninspectable conditions are decided by the whole file: the
// alert waits for the file's end, once per (file, rule). May throw std::bad_alloc.
void InspectionSession::holdUntilFileEnd(LayerTable& table, LayerId file, uint32_t rule_index,
                                         core::Alert&& a) {
    LayerFile& f = table.files[file - 1];
    for (const LayerFile::HeldAlert& h : f.held)
        if (h.rule_index == rule_index) {
            ++engine_.counters().repeat_matches;
            return;
        }
    f.held.push_back({rule_index, std::move(a)});
    ++engine_.counters().file_alerts_held;
}

void InspectionSession::fileEnded(ScanContext& c, LayerTable& table, LayerId file) noexcept {
    const rules::RuleSet& rs = engine_.matcher().ruleSet();
    LayerFile& f = table.files[file - 1];
    const rules::FileFacts facts = fileFacts(table, file);
    InspectionCounters& counters = engine_.counters();
    try {
        for (LayerFile::HeldAlert& h : f.held) {
            // A reload since the match may have renumbered (or dropped) the rule.
            const auto& all = rs.rules();
            if (h.rule_index >= all.size() || all[h.rule_index].id != h.alert.signature_id)
                continue;
            if (alerted(h.rule_index)) {
                ++counters.repeat_matches;
                continue;
            }
            if (!rules::holdAtEnd(all[h.rule_index].file_conditions, facts)) {
                ++counters.file_filtered;
                continue;
            }
            h.alert.file->encrypted = f.encrypted;
            if (f.uninspectable) h.alert.file->uninspectable = f.uninspectable;
            deliver(c, h.rule_index, std::move(h.alert));
        }
        f.held.clear();
        for (const uint32_t r : rs.fileOnlyRules()) {
            const rules::Rule& rule = rs.rules()[r];
            if (alerted(r) || !directionAllows(rule, c.to_server) ||
                !rules::holdAtEnd(rule.file_conditions, facts))
                continue;
            core::Alert a = baseAlert(c, rule);
            a.kind = "file";
            a.layer = table.slots[file - 1].name;
            a.file = describeFile(table, file, file);
            deliver(c, r, std::move(a));
        }
    } catch (const std::bad_alloc&) {
        ++counters.validator_unavailable;
    }
    if (engine_.config().file_records) reportFile(c, table, file);
}

// The fileinfo record of a file that ended (--files).
void InspectionSession::reportFile(ScanContext& c, LayerTable& table, LayerId file) noexcept {
    LayerFile& f = table.files[file - 1];
    InspectionCounters& counters = engine_.counters();
    try {
        core::FileRecord r;
        r.ts_us = c.ts_us;
        r.to_server = c.to_server;
        bool first = true;
        for (const std::string& step : describeFile(table, file, file).path) {
            if (!first) r.filename.push_back('/');
            r.filename += step;
            first = false;
        }
        r.magic = core::fileTypeName(f.type);
        r.size = table.slots[file - 1].offset;
        r.gaps = f.gaps;
        // A corrupt file is an error; one not read whole (a hole, cut short, a bound) truncated.
        if (f.uninspectable && std::string_view(f.uninspectable) == "corrupt")
            r.state = "ERROR";
        else if (f.gaps || f.uninspectable)
            r.state = "TRUNCATED";
        char hex[65];
        if (f.digest.finish(hex) && !f.gaps) r.sha256.assign(hex, 64);
        ++counters.files;
        c.output.fileEnded(std::move(r));
    } catch (const std::bad_alloc&) {
        ++counters.file_records_lost;
    }
}

} // namespace egressmon::dpi
