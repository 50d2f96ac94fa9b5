#pragma once
// One inspection session: the content of one flow (both directions) or of one proxied
// transaction, given as bytes, gaps and ends, and turned into alerts. Nothing here knows
// packets or flows: the packet adapter (dpi/flow_inspector.h) reassembles TCP, cuts UDP into
// datagrams and waits for nDPI in front of it; an ICAP transaction can feed a session directly.
//
// Per direction the session scans the raw bytes (its "raw layer": tcp.stream, udp.datagram...)
// and, when the direction's first bytes are HTTP or an SMTP client's, decodes them into layers
// that are scanned too. A match becomes an alert offered to the SessionOutput, which may deliver
// it, hold it (the packet adapter, until nDPI has classified the flow) or refuse it; the session
// keeps the rules it alerted on so each rule alerts at most once per session.
//
// Thread: the owner of the session's engine (one worker). Everything is noexcept; memory is
// bounded by the engine's configuration.

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "core/file_record.h"
#include "core/flow.h"
#include "dpi/decode/http/http_decoder.h"
#include "dpi/decode/smtp/smtp_decoder.h"
#include "dpi/decode/tls/tls_record_filter.h"
#include "dpi/inspect/inspection_types.h"
#include "dpi/inspect/layer_scan.h"

namespace egressmon::dpi {

class InspectionEngine;
struct LayerTable;
class StreamDecoder;

// A session's two directions: the bytes its client sends, and those its server sends.
enum class Direction : uint8_t { kToServer = 0, kToClient = 1 };

// What a session is told once, at its start.
struct SessionScope {
    // Where each direction's bytes go, relative to --home-net ([0] to the server, [1] to the
    // client): rules with a direction see only the bytes that suit them.
    core::NetRelation bytes_relation[2] = {core::NetRelation::kExternal,
                                           core::NetRelation::kExternal};
    const char* raw_layer = "tcp.stream"; // the layer name of the undecoded bytes
};

// Where a session's alerts go.
class SessionOutput {
  public:
    enum class Verdict : uint8_t {
        kDelivered, // the alert left: the rule will not alert again in this session
        kHeld,      // kept to decide later (releaseRule() if it is refused then)
        kRefused,   // not an alert after all (out of scope, no room): a later match may be
    };
    virtual ~SessionOutput() = default;
    virtual Verdict offer(uint32_t rule_index, core::Alert&& alert) noexcept = 0;
    // A file ended (only with InspectionConfig::file_records): its fileinfo record.
    virtual void fileEnded(core::FileRecord&& /*record*/) noexcept {}
};

class InspectionSession {
  public:
    InspectionSession(InspectionEngine& engine, const SessionScope& scope) noexcept;
    ~InspectionSession();
    InspectionSession(const InspectionSession&) = delete;
    InspectionSession& operator=(const InspectionSession&) = delete;

    // The session wants this direction's bytes: some rule applies to them, or the other
    // direction's decoder needs what they say (requests' methods, SMTP replies), and the
    // inspection depth is not reached. The caller may skip delivering bytes otherwise.
    bool wants(Direction d) const noexcept;

    // The next bytes of a direction's stream, captured (or received) at ts_us.
    void data(Direction d, const uint8_t* bytes, uint32_t len, uint64_t ts_us,
              SessionOutput& out) noexcept;
    // `missing` bytes of a direction's stream are lost: nothing matches across them, and
    // decoders resynchronise after them where they can.
    void gap(Direction d, uint64_t missing, uint64_t ts_us, SessionOutput& out) noexcept;
    // One self-contained message of a direction (a UDP datagram): its own raw layer instance,
    // offsets from 0, nothing spanning two.
    void datagram(Direction d, const uint8_t* bytes, uint32_t len, uint64_t ts_us,
                  SessionOutput& out) noexcept;
    // The end of a direction: bodies delimited by the close end, every layer closes, end-
    // anchored matches report. end(): both directions, the client's first.
    void endDirection(Direction d, uint64_t ts_us, SessionOutput& out) noexcept;
    void end(uint64_t ts_us, SessionOutput& out) noexcept;

    // A match the output held was refused in the end: the rule may alert on a later match.
    void releaseRule(uint32_t rule_index) noexcept;
    // The engine adopted new rules (`moved`: old rule index -> new, -1 gone): streams close
    // (reopening on the next byte against the new database; a match spanning the switch is
    // lost) and the rules already alerted on carry over by signature id.
    void rebase(const std::vector<int64_t>& moved) noexcept;
    // Some rule has alerted (or waits to): the session must be kept to deduplicate.
    bool hasAlerted() const noexcept { return !alerted_rules_.empty(); }

  private:
    friend struct ScanContext;
    friend struct LayerTable;
    // The first bytes of a direction held while they could still start HTTP or SMTP: enough for
    // every sniffer to say yes or no (kHttpSniffBytes, the longest).
    static constexpr uint32_t kSniffBytes = 24;
    struct DirectionState {
        LayerScanner raw; // offset counts every byte delivered, scanned or not
        std::unique_ptr<StreamDecoder> decoder; // HTTP or SMTP, chosen by the first bytes
        std::unique_ptr<LayerTable> layers;     // the decoder's output, allocated with it
        bool active = false;                    // some rule applies to these bytes
        bool depth_reached = false;
        // No rule inspects these bytes, but the other direction's decoder needs what they say
        // (which requests were HEAD, how the server answered STARTTLS): parsed, never scanned.
        bool companion = false;
        bool sniffing = true; // the decoder is not chosen yet
        // The direction began with a TLS handshake record and no rule asks for TLS application
        // data (InspectionConfig::tls_application_data): only handshake records are scanned.
        // Gone when the framing is lost (everything is scanned from there).
        std::unique_ptr<TlsRecordFilter> tls;
        uint8_t tls_already_scanned = 0; // first bytes the filter gives that were held and scanned
        uint8_t sniff_len = 0;
        char sniff_held[kSniffBytes]; // earlier deliveries' bytes while sniffing
    };

    void handleMatch(ScanContext& ctx, const rules::MatchEvent& event) noexcept;
    // A file layer of `table` ends: alerts held for it are decided, file-only rules judge it.
    void fileEnded(ScanContext& ctx, LayerTable& table, LayerId file) noexcept;
    void reportFile(ScanContext& ctx, LayerTable& table, LayerId file) noexcept;
    void holdUntilFileEnd(LayerTable& table, LayerId file, uint32_t rule_index,
                          core::Alert&& alert);
    bool alerted(uint32_t rule_index) const noexcept;
    bool directionAllows(const rules::Rule& rule, bool to_server) const noexcept;
    core::Alert baseAlert(const ScanContext& ctx, const rules::Rule& rule) const;
    void deliver(ScanContext& ctx, uint32_t rule_index, core::Alert&& alert);
    bool pastDepth(DirectionState& dir) noexcept;
    void reachDepth(DirectionState& dir) noexcept;
    void sniff(Direction d, ScanContext& ctx, const uint8_t* data, uint32_t len) noexcept;
    std::unique_ptr<StreamDecoder> chooseDecoder(Direction d, std::string_view prefix,
                                                 bool& need_more) noexcept;
    std::unique_ptr<StreamDecoder> makeDecoder(bool to_server, bool active, bool other_active,
                                               const InspectionConfig& config,
                                               std::string_view prefix, bool& need_more);
    void afterSniff(Direction d) noexcept;
    void dropDecoder(DirectionState& dir) noexcept;
    void feedDecoder(DirectionState& dir, const uint8_t* data, uint32_t len) noexcept;
    void scanRaw(DirectionState& dir, ScanContext& ctx, const uint8_t* data, uint32_t len) noexcept;
    void startTlsFilter(DirectionState& dir, ScanContext& ctx, uint32_t held) noexcept;
    void tlsRun(DirectionState& dir, ScanContext& ctx, TlsRecordFilter::Run run,
                const uint8_t* bytes, uint32_t n) noexcept;
    template <class Step> void tlsStep(DirectionState& dir, ScanContext& ctx, Step&& step) noexcept;
    void scanTls(DirectionState& dir, ScanContext& ctx, const uint8_t* data, uint32_t len) noexcept;
    void tlsGap(DirectionState& dir, ScanContext& ctx, uint64_t missing) noexcept;

    InspectionEngine& engine_;
    SessionScope scope_;
    DirectionState dir_[2];
    HttpPairing http_pairing_;
    SmtpPairing smtp_pairing_;
    std::vector<uint32_t> alerted_rules_; // delivered or held, by current rule index
};

} // namespace egressmon::dpi
