// IcapRequestParser (icap/icap_request_parser.h): one ICAP connection's client byte stream.
//
// Input: [limits: 1][split seed: 4][decisions: 4][mode: 1] then the stream.
//   limits bits: 1 max_header_bytes 256, 2 max_chunk_size 64, 4 max_trailer_bytes 16,
//   8 max_chunk_line_bytes 24 (else the defaults);
//   decisions: bit k (mod 32) says continue (1) or abandon (0) at the k-th preview without ieof;
//   mode bit 1: decide inside onPreviewEnd rather than after feed() returns.
// Checks: feed() never takes more than it was given, takes nothing once dead, and stops early
// only when dead or awaiting a decision; body pieces are non-empty views of the fed bytes and
// come only between a head with a body and its end; a preview end only after a head with a
// Preview and a body; no event after onError; header bytes within max_header_bytes; and the
// stream fed whole and in pieces gives the same events.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_input.h"
#include "icap/icap_request_parser.h"

using namespace egressmon;
using icap::IcapError;
using icap::IcapParserLimits;
using icap::IcapRequestHead;
using icap::IcapRequestParser;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

class Events : public icap::IcapParserEvents {
  public:
    Events(uint32_t decisions, bool inside, const IcapParserLimits& limits)
        : decisions_(decisions), inside_(inside), limits_(limits) {}

    void onRequestHead(const IcapRequestHead& head) noexcept override {
        check(!dead_ && !in_request_);
        check(parser->headerBytesSoFar() <= limits_.max_header_bytes);
        in_request_ = true;
        body_allowed_ = head.has_body;
        preview_ = head.preview.has_value() && head.has_body;
        out += "H" + std::to_string(static_cast<int>(head.method)) + head.service_path + "|" +
               std::to_string(head.fields.size()) + "|";
        if (head.http_request)
            out += head.http_request->method + " " + head.http_request->target + "|" +
                   std::to_string(head.http_request->raw.size());
        out += "|" + std::to_string(head.res_hdr_raw.size()) + ";";
    }
    void onBodyData(std::span<const uint8_t> bytes) noexcept override {
        check(!dead_ && in_request_ && body_allowed_ && !bytes.empty());
        check(bytes.data() >= fed_begin && bytes.data() + bytes.size() <= fed_end);
        out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
    void onPreviewEnd(bool ieof) noexcept override {
        check(!dead_ && in_request_ && preview_);
        preview_ = false;
        out += ieof ? "<P+>" : "<P>";
        if (ieof) return;
        const bool go_on = (decisions_ >> (previews_++ % 32)) & 1;
        if (inside_) {
            decide(go_on);
        } else {
            pending_ = go_on ? 1 : 2;
        }
    }
    void onRequestEnd() noexcept override {
        check(!dead_ && in_request_);
        in_request_ = false;
        out += "<E>";
    }
    void onError(IcapError error, std::string_view reason) noexcept override {
        check(!dead_ && error != IcapError::None && !reason.empty());
        dead_ = true;
        out += "<X" + std::to_string(static_cast<int>(error)) + std::string(reason) + ">";
    }
    // After feed() returned: the decision taken outside the callback, if one is pending.
    void applyPending() {
        if (pending_ != 0) decide(pending_ == 1);
        pending_ = 0;
    }

    IcapRequestParser* parser = nullptr;
    const uint8_t* fed_begin = nullptr;
    const uint8_t* fed_end = nullptr;
    std::string out;

  private:
    void decide(bool go_on) {
        check(parser->awaitingPreviewDecision());
        if (go_on) {
            parser->continueAfterPreview();
        } else {
            parser->abandonAfterPreview();
            in_request_ = false; // no onRequestEnd follows an abandon
            out += "<A>";
        }
    }

    uint32_t decisions_;
    bool inside_;
    IcapParserLimits limits_;
    bool dead_ = false, in_request_ = false, body_allowed_ = false, preview_ = false;
    uint32_t previews_ = 0;
    int pending_ = 0;
};

std::string run(std::span<const uint8_t> stream, uint32_t seed, uint32_t decisions, bool inside,
                const IcapParserLimits& limits) {
    Events events(decisions, inside, limits);
    IcapRequestParser parser(events, limits);
    events.parser = &parser;
    bool stopped = false;
    fuzz::feedInPieces(stream, seed, 512, [&](const uint8_t* data, size_t size) {
        if (stopped) return;
        events.fed_begin = data;
        events.fed_end = data + size;
        size_t pos = 0;
        while (true) {
            const size_t n = parser.feed({data + pos, size - pos});
            check(n <= size - pos);
            pos += n;
            check(parser.headerBytesSoFar() <= limits.max_header_bytes);
            if (parser.failed()) {
                check(parser.feed({data, size}) == 0);
                stopped = true;
                return;
            }
            if (!parser.awaitingPreviewDecision()) break;
            events.applyPending();
            if (parser.awaitingPreviewDecision()) { // decided nothing: never happens here
                std::abort();
            }
        }
        check(pos == size);
    });
    return events.out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t bounds = in.u8();
    IcapParserLimits limits;
    if (bounds & 1) limits.max_header_bytes = 256;
    if (bounds & 2) limits.max_chunk_size = 64;
    if (bounds & 4) limits.max_trailer_bytes = 16;
    if (bounds & 8) limits.max_chunk_line_bytes = 24;
    const uint32_t seed = in.u32() | 1; // 0 means "one piece" in feedInPieces
    const uint32_t decisions = in.u32();
    const bool inside = in.u8() & 1;
    const auto stream = in.rest();
    check(run(stream, 0, decisions, inside, limits) ==
          run(stream, seed, decisions, inside, limits));
    return 0;
}
