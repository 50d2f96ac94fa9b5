#pragma once
// Test helpers for the ICAP request parser: a recorder that turns the parser's events into one
// comparable string, feeding in pieces with preview decisions, and the recorded test vectors.

#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "icap/icap_request_parser.h"

namespace egressmon::icap::test {

inline std::string entities(const EncapsulatedOffsets& o) {
    std::string s;
    const auto add = [&](const char* name, const std::optional<uint32_t>& v) {
        if (!v) return;
        if (!s.empty()) s += ',';
        s += name;
        s += '=';
        s += std::to_string(*v);
    };
    add("req-hdr", o.req_hdr);
    add("res-hdr", o.res_hdr);
    add("req-body", o.req_body);
    add("res-body", o.res_body);
    add("null-body", o.null_body);
    add("opt-body", o.opt_body);
    return s;
}

inline const char* methodName(IcapMethod m) {
    switch (m) {
    case IcapMethod::Options: return "OPTIONS";
    case IcapMethod::Reqmod: return "REQMOD";
    case IcapMethod::Respmod: return "RESPMOD";
    }
    return "?";
}

// Records events as "[head ...][body N:bytes][preview-end ieof][end][error N reason]"; body
// pieces in a row are joined, so any split of the same input gives the same string. The
// decisions string says what to do at each preview without ieof: 'c' continue, 'a' abandon,
// 'C'/'A' the same but decided inside onPreviewEnd; past its end: continue.
class Recorder : public IcapParserEvents {
  public:
    explicit Recorder(std::string decisions = "") : decisions_(std::move(decisions)) {}

    void onRequestHead(const IcapRequestHead& h) noexcept override {
        closeBody();
        heads.push_back(h);
        out += "[head ";
        out += methodName(h.method);
        out += " " + h.service_path + " " + entities(h.encapsulated);
        if (h.preview) out += " preview=" + std::to_string(*h.preview);
        if (h.allow_204) out += " 204";
        if (h.allow_trailers) out += " trailers";
        if (h.http_request)
            out += " http=" + h.http_request->method + " " + h.http_request->target + " " +
                   h.http_request->version;
        if (!h.res_hdr_raw.empty()) out += " res-hdr=" + std::to_string(h.res_hdr_raw.size());
        out += "]";
    }
    void onBodyData(std::span<const uint8_t> bytes) noexcept override {
        EXPECT_FALSE(bytes.empty());
        body_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        max_piece = std::max(max_piece, bytes.size());
    }
    void onPreviewEnd(bool ieof) noexcept override {
        closeBody();
        out += ieof ? "[preview-end ieof]" : "[preview-end]";
        if (!ieof) {
            ++previews_;
            const char d = nextDecision();
            if (d == 'C') parser->continueAfterPreview();
            if (d == 'A') parser->abandonAfterPreview();
            if (d == 'c' || d == 'a') pending_ = d;
        }
    }
    void onRequestEnd() noexcept override {
        closeBody();
        out += "[end]";
    }
    void onError(IcapError e, std::string_view reason) noexcept override {
        closeBody();
        error = e;
        out += "[error " + std::to_string(static_cast<int>(e)) + " " + std::string(reason) + "]";
    }
    // The decision the harness applies after feed() returns (not inside the callback).
    void applyPending() {
        if (pending_ == 'c') parser->continueAfterPreview();
        if (pending_ == 'a') parser->abandonAfterPreview();
        pending_ = 0;
    }
    std::string finish() {
        closeBody();
        return out;
    }

    IcapRequestParser* parser = nullptr;
    std::string out;
    std::vector<IcapRequestHead> heads;
    std::vector<std::string> bodies;
    IcapError error = IcapError::None;
    size_t max_piece = 0;

  private:
    char nextDecision() { return previews_ <= decisions_.size() ? decisions_[previews_ - 1] : 'c'; }
    void closeBody() {
        if (body_.empty()) return;
        out += "[body " + std::to_string(body_.size()) + ":" +
               (body_.size() <= 64 ? body_ : body_.substr(0, 32) + "...") + "]";
        bodies.push_back(std::move(body_));
        body_.clear();
    }
    std::string decisions_;
    std::string body_;
    size_t previews_ = 0;
    char pending_ = 0;
};

// Feeds `input` cut at `cuts` (increasing offsets), applying preview decisions after each feed.
inline std::string run(std::string_view input, const std::vector<size_t>& cuts,
                       const std::string& decisions = "", const IcapParserLimits& limits = {},
                       size_t* consumed_out = nullptr, Recorder* keep = nullptr) {
    Recorder local(decisions);
    Recorder& rec = keep != nullptr ? *keep : local;
    IcapRequestParser parser(rec, limits);
    rec.parser = &parser;
    size_t consumed = 0, start = 0;
    std::vector<size_t> ends = cuts;
    ends.push_back(input.size());
    for (size_t end : ends) {
        std::string_view piece = input.substr(start, end - start);
        start = end;
        while (true) {
            const size_t n =
                parser.feed({reinterpret_cast<const uint8_t*>(piece.data()), piece.size()});
            EXPECT_LE(n, piece.size());
            consumed += n;
            piece.remove_prefix(n);
            if (!parser.awaitingPreviewDecision()) break;
            rec.applyPending();
            if (parser.awaitingPreviewDecision()) break; // no decision: stays stopped
        }
        if (!piece.empty()) break; // dead or waiting: the rest is never taken
    }
    if (consumed_out != nullptr) *consumed_out = consumed;
    return rec.finish();
}

inline std::string runWhole(std::string_view input, const std::string& decisions = "",
                            const IcapParserLimits& limits = {}) {
    return run(input, {}, decisions, limits);
}

// Whole, every two-piece split, and one byte at a time must give the same events; returns them.
inline std::string expectSplitInvariant(std::string_view input, const std::string& decisions = "",
                                        const IcapParserLimits& limits = {}) {
    const std::string whole = runWhole(input, decisions, limits);
    for (size_t cut = 1; cut < input.size(); ++cut)
        EXPECT_EQ(run(input, {cut}, decisions, limits), whole) << "split at " << cut;
    std::vector<size_t> every;
    for (size_t i = 1; i < input.size(); ++i)
        every.push_back(i);
    EXPECT_EQ(run(input, every, decisions, limits), whole) << "one byte at a time";
    return whole;
}

inline std::string readVector(const std::string& name) {
    const std::string path =
        std::string(EGRESSMON_SOURCE_DIR) + "/tests/unit/icap_vectors/" + name + ".bin";
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << path;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace egressmon::icap::test
