#pragma once
// Runs of the SMTP decoders over scripted streams: client bytes, gaps and server bytes in the
// order the inspector would deliver them.

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/decode/smtp/smtp_decoder.h"
#include "http_test_support.h"

namespace egressmon::dpi::test {

// One delivery: client bytes, a gap of `gap` bytes in the client's stream, or server bytes.
struct SmtpStep {
    enum class Kind { Client, Gap, Server, ServerGap } kind;
    std::string bytes;
    uint64_t gap = 0;
};
inline SmtpStep client(std::string bytes) {
    return {SmtpStep::Kind::Client, std::move(bytes)};
}
inline SmtpStep hole(uint64_t n) {
    return {SmtpStep::Kind::Gap, std::string(), n};
}
inline SmtpStep server(std::string bytes) {
    return {SmtpStep::Kind::Server, std::move(bytes)};
}
inline SmtpStep serverHole(uint64_t n) {
    return {SmtpStep::Kind::ServerGap, std::string(), n};
}

struct SmtpScriptRun {
    Layers layers;
    SmtpDecoderCounters counters;
    bool stopped = false;       // the client's decoder, before onEnd
    bool reply_stopped = false; // the server's, before onEnd
};

// The client's SmtpDecoder and, when `paired`, the server's SmtpReplyDecoder sharing an
// SmtpPairing; server steps need `paired`.
inline SmtpScriptRun runScript(const std::vector<SmtpStep>& steps, bool paired = true,
                               const SmtpDecoderLimits& limits = SmtpDecoderLimits()) {
    SmtpScriptRun r;
    RecordingSink sink, server_sink;
    SmtpPairing pairing;
    SmtpDecoder d(limits, r.counters, paired ? &pairing : nullptr);
    SmtpReplyDecoder replies(limits, r.counters, pairing);
    for (const auto& step : steps) {
        const auto* data = reinterpret_cast<const uint8_t*>(step.bytes.data());
        const auto len = static_cast<uint32_t>(step.bytes.size());
        switch (step.kind) {
        case SmtpStep::Kind::Client: d.onData(data, len, sink); break;
        case SmtpStep::Kind::Gap: d.onGap(step.gap, sink); break;
        case SmtpStep::Kind::Server:
            EXPECT_TRUE(paired);
            replies.onData(data, len, server_sink);
            break;
        case SmtpStep::Kind::ServerGap: replies.onGap(step.gap, server_sink); break;
        }
    }
    r.stopped = d.stopped();
    r.reply_stopped = replies.stopped();
    d.onEnd(sink);
    replies.onEnd(server_sink);
    EXPECT_EQ(sink.openCount(), 0u);
    EXPECT_TRUE(server_sink.layers.empty()); // replies make no layer
    r.layers = sink.layers;
    return r;
}

// The bytes of the layers named `name`, joined by '|'.
inline std::string layerBytes(const SmtpScriptRun& r, std::string_view name) {
    std::string out;
    for (const auto& [n, bytes] : r.layers) {
        if (n != name) continue;
        if (!out.empty()) out += "|";
        out += bytes;
    }
    return out;
}

} // namespace egressmon::dpi::test
