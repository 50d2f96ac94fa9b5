#pragma once
// Internal to the inspection session: matching the bytes of one layer instance (a direction's
// raw stream, one UDP datagram, one decoded HTTP body...) and turning Hyperscan's reports into
// calls of InspectionSession::handleMatch with everything a match needs (where, when, which
// bytes).
//
// Thread: the worker owning the session. noexcept.

#include <cstdint>
#include <string>
#include <vector>

#include "rules/stream_matcher.h"

namespace egressmon::dpi {

class InspectionEngine;
class InspectionSession;
class SessionOutput;

// One layer instance: its stream and the bytes kept for validators and snippets.
struct LayerScanner {
    const char* name = "";     // alert.context.dlp.layer
    rules::HsStream stream;    // opened on the first byte
    uint64_t offset = 0;       // layer offset of the next byte
    uint64_t stream_start = 0; // layer offset where the Hyperscan stream (re)started
    std::string tail;          // the last bytes before the current chunk (kHistoryBytes)
};

// The scope of one scan call (one delivery of bytes to one direction of a session).
struct ScanContext final : rules::MatchHandler {
    static constexpr uint32_t kHistoryBytes = 512;

    InspectionEngine& engine;
    InspectionSession& session;
    bool to_server; // the direction: bytes the client sent
    uint64_t ts_us; // capture (or receive) time of the bytes
    SessionOutput& output;

    ScanContext(InspectionEngine& e, InspectionSession& s, bool ts, uint64_t t,
                SessionOutput& o) noexcept
        : engine(e), session(s), to_server(ts), ts_us(t), output(o) {}

    // The next `len` bytes of the layer.
    void scan(LayerScanner& layer, const uint8_t* data, uint32_t len) noexcept;
    // `missing` bytes were lost: nothing may match across them.
    void gap(LayerScanner& layer, uint64_t missing) noexcept;
    // `n` bytes of the layer are not scanned here (another layer scanned them unchanged): as a
    // gap, but free when nothing was scanned since the last one.
    void skip(LayerScanner& layer, uint64_t n) noexcept;
    // The layer instance ends: end-anchored matches are reported, the stream released.
    void close(LayerScanner& layer) noexcept;

    bool onMatch(const rules::MatchEvent& event) noexcept override;

    // While a match is being handled: the layer, and the bytes still held around it.
    const LayerScanner* current = nullptr;
    uint64_t heldStart() const noexcept;
    bool extract(uint64_t from, uint64_t to, std::string& out) const;

  private:
    void handleDeferred() noexcept;
    void keepTail(LayerScanner& layer, const uint8_t* data, uint32_t len) noexcept;

    const uint8_t* chunk_ = nullptr;
    uint32_t chunk_len_ = 0;
    uint64_t chunk_start_ = 0;
    // UTF-16 matches wait until the scan call returns: an ASCII keyword in UTF-16LE text also
    // matches as UTF-16BE one byte earlier (and vice versa one byte later). The genuine one is
    // aligned on the text's code units; taking even layer offsets first gets it right whenever
    // the UTF-16 text starts at an even offset (a body, a part, a file), which is the usual case.
    std::vector<rules::MatchEvent> deferred_utf16_;
};

} // namespace egressmon::dpi
