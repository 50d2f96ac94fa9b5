#include "dpi/classify/flow_classifier.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <new>
#include <stdexcept>

#include "core/ndpi_risk_names.h"
#include "dpi/decode/http/http_url.h"

namespace egressmon::dpi {

namespace {
// core/ndpi_risk_names.h must be nDPI's enum member for member: NDPI_<name> at position i is
// risk i + 1 (a name nDPI lacks does not compile; a reordering or a new risk fails here).
#define EGRESSMON_RISK_ID(name) NDPI_##name,
constexpr int kRiskIds[] = {EGRESSMON_NDPI_RISKS(EGRESSMON_RISK_ID)};
#undef EGRESSMON_RISK_ID
constexpr bool riskIdsInEnumOrder() {
    for (unsigned i = 0; i < core::kNdpiRiskCount; ++i)
        if (kRiskIds[i] != static_cast<int>(i + 1)) return false;
    return true;
}
static_assert(riskIdsInEnumOrder(), "core/ndpi_risk_names.h is out of order with nDPI's enum");
static_assert(core::kNdpiRiskCount + 1 == NDPI_MAX_RISK, "nDPI has risks the list lacks");
} // namespace

// nDPI's per-flow state, held inline so a flow in detection costs one allocation.
struct FlowDpiState {
    ndpi_flow_struct nflow; // zero-initialised by value-initialising the struct
    // Packets of the flow that nDPI could inspect. ndpiReader leaves snaplen-cut packets out of
    // its flows altogether, so they do not count towards its 80/24-packet give-up either.
    uint32_t packets = 0;
};

FlowClassifier::FlowClassifier(ClassifierConfig config)
    : config_(config), new_flow_budget_(config.max_new_flows_per_second) {
    module_.reset(ndpi_init_detection_module(ndpi_no_prefs));
    if (!module_) throw std::runtime_error("nDPI: cannot initialise a detection module");
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(module_.get(), &all);
    ndpi_finalize_initialization(module_.get());
}

FlowClassifier::~FlowClassifier() = default;

void FlowClassifier::process(core::Flow& flow, const core::Packet& packet) noexcept {
    if (flow.classification.done) return;
    if (!flow.dpi_state) {
        if (!new_flow_budget_.take(packet.ts_us)) {
            flow.classification.done = true; // stays Unknown: shed under a flood of new flows
            ++counters_.flows_shed;
            return;
        }
        flow.dpi_state = new (std::nothrow) FlowDpiState{};
        if (!flow.dpi_state) {
            ++counters_.alloc_failures;
            flow.classification.done = true; // stays Unknown; counted, not fatal
            ++counters_.flows_unknown;
            return;
        }
        ++flows_in_detection_;
    }
    // A snaplen-cut datagram would show nDPI a partial payload as if it were whole; ndpiReader
    // skips such packets too, so they count on the flow but are not inspected.
    if (packet.truncated) return;

    const uint32_t total = ++flow.dpi_state->packets;
    const bool enough_packets =
        (flow.key.ip_proto == core::ipproto::kTcp && total > config_.max_tcp_packets) ||
        (flow.key.ip_proto == core::ipproto::kUdp && total > config_.max_udp_packets);

    ++counters_.packets_inspected;
    // nDPI's timers assume time never goes backwards; captures sometimes do (ndpiReader repairs
    // the same way).
    last_packet_ms_ = std::max(last_packet_ms_, packet.ts_us / 1000);
    const uint32_t l3_len = std::min<uint32_t>(packet.l3_len, 0xffff);
    const ndpi_protocol result = ndpi_detection_process_packet(
        module_.get(), &flow.dpi_state->nflow, packet.data + packet.l3_offset,
        static_cast<unsigned short>(l3_len), last_packet_ms_);

    if (!enough_packets && result.app_protocol == NDPI_PROTOCOL_UNKNOWN) return;
    // Detected, but nDPI may still want a certificate or other metadata from later packets.
    if (!enough_packets && ndpi_extra_dissection_possible(module_.get(), &flow.dpi_state->nflow))
        return;
    complete(flow, result, result.app_protocol == NDPI_PROTOCOL_UNKNOWN);
}

void FlowClassifier::finish(core::Flow& flow) noexcept {
    if (flow.classification.done || !flow.dpi_state) return;
    // As ndpiReader does for flows still open at the end of a capture: give up, which returns
    // what was detected so far (a protocol still waiting for metadata) or a guess.
    complete(flow, ndpi_protocol{}, true);
}

void FlowClassifier::complete(core::Flow& flow, ndpi_protocol result, bool gave_up) noexcept {
    ndpi_flow_struct& nflow = flow.dpi_state->nflow;
    bool guessed = false;
    if (gave_up) {
        uint8_t was_guessed = 0;
        result = ndpi_detection_giveup(module_.get(), &nflow, config_.guess_on_giveup ? 1 : 0,
                                       &was_guessed);
        guessed = was_guessed != 0;
    }
    auto& c = flow.classification;
    c.master_protocol = result.master_protocol;
    c.app_protocol = result.app_protocol;
    c.category = static_cast<uint16_t>(result.category);
    c.done = true;
    c.guessed = guessed;
    c.port_match = nflow.confidence == NDPI_CONFIDENCE_MATCH_BY_PORT;
    // nDPI's bit mask; nothing of nDPI's sets more once the state is freed below (egressmon's
    // own risks, core/ndpi_risk_names.h, may already be there).
    c.risks |= nflow.risk;
    if (guessed)
        ++counters_.flows_guessed;
    else if (result.app_protocol == NDPI_PROTOCOL_UNKNOWN &&
             result.master_protocol == NDPI_PROTOCOL_UNKNOWN)
        ++counters_.flows_unknown;
    else
        ++counters_.flows_detected;

    copyMetadata(flow, nflow);
    ndpi_free_flow_data(&nflow);
    delete flow.dpi_state;
    flow.dpi_state = nullptr;
    --flows_in_detection_;
}

void FlowClassifier::copyMetadata(core::Flow& flow, const ndpi_flow_struct& nflow) noexcept {
    const auto is = [&](uint16_t id) {
        return flow.classification.master_protocol == id || flow.classification.app_protocol == id;
    };
    // Fixed-size C buffers filled from packets: never trust them to be terminated.
    const auto text = [](const char* buf, size_t size) {
        return std::string(buf, strnlen(buf, size));
    };
    try {
        core::FlowMetadata md;
        const std::string host = text(nflow.host_server_name, sizeof nflow.host_server_name);
        // `protos` is a union: its tls_quic member is meaningful only on TLS-family flows (on
        // an SSH flow the same bytes hold the server banner).
        if (is(NDPI_PROTOCOL_HTTP)) {
            md.http_host = host;
            if (nflow.http.url) md.http_url = requestTargetFromNdpiUrl(nflow.http.url);
        } else if (is(NDPI_PROTOCOL_DNS)) {
            md.dns_query = host;
        } else if (is(NDPI_PROTOCOL_TLS) || is(NDPI_PROTOCOL_QUIC) || is(NDPI_PROTOCOL_DTLS)) {
            md.tls_sni = host;
            md.tls_ja3_client =
                text(nflow.protos.tls_quic.ja3_client, sizeof nflow.protos.tls_quic.ja3_client);
        }
        if (!md.http_host.empty() || !md.http_url.empty() || !md.dns_query.empty() ||
            !md.tls_sni.empty() || !md.tls_ja3_client.empty())
            flow.metadata = std::make_unique<core::FlowMetadata>(std::move(md));
    } catch (const std::bad_alloc&) {
        ++counters_.alloc_failures; // metadata is lost, the classification is kept
    }
}

std::string FlowClassifier::protocolName(const core::FlowClassification& c) const {
    char buf[64];
    ndpi_protocol p{c.master_protocol, c.app_protocol,
                    static_cast<ndpi_protocol_category_t>(c.category)};
    return ndpi_protocol2name(module_.get(), p, buf, sizeof buf);
}

std::string FlowClassifier::categoryName(const core::FlowClassification& c) const {
    // ndpiReader prints no category for id 0; the conformance data spells that "Unspecified".
    if (c.category == 0) return "Unspecified";
    const char* name =
        ndpi_category_get_name(module_.get(), static_cast<ndpi_protocol_category_t>(c.category));
    return name ? name : "Unspecified";
}

int FlowClassifier::protocolId(const std::string& name) const {
    std::string copy = name; // the C API takes a non-const char*
    return ndpi_get_protocol_id(module_.get(), copy.data());
}

int FlowClassifier::categoryId(const std::string& name) const {
    std::string copy = name; // the C API takes a non-const char*
    return ndpi_get_category_id(module_.get(), copy.data());
}

std::string FlowClassifier::appProtoName(const core::FlowClassification& c) const {
    const uint16_t id =
        c.master_protocol != NDPI_PROTOCOL_UNKNOWN ? c.master_protocol : c.app_protocol;
    if (id == NDPI_PROTOCOL_UNKNOWN) return "failed";
    const char* name = ndpi_get_proto_name(module_.get(), id);
    std::string s = name ? name : "failed";
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
}

} // namespace egressmon::dpi
