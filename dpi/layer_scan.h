#pragma once
// Internal to dpi/: matching the bytes of one layer instance (a direction's raw stream, one
// UDP datagram, one decoded HTTP body...) and turning Hyperscan's reports into calls of
// FlowInspector::handleMatch with everything a match needs (where, when, which bytes).
//
// Thread: the worker owning the flow. noexcept.

#include <cstdint>
#include <string>
#include <vector>

#include "core/flow.h"
#include "rules/stream_matcher.h"

namespace egressmon::dpi {

class FlowInspector;
class AlertSink;
struct FlowInspection;

// One layer instance: its stream and the bytes kept for validators and snippets.
struct LayerScanner {
    const char* name = "";     // alert.context.dlp.layer
    rules::HsStream stream;    // opened on the first byte
    uint64_t offset = 0;       // layer offset of the next byte
    uint64_t stream_start = 0; // layer offset where the Hyperscan stream (re)started
    std::string tail;          // the last bytes before the current chunk (kHistoryBytes)
};

// The scope of one scan call (a packet's worth of bytes of one flow direction).
struct ScanContext final : rules::MatchHandler {
    static constexpr uint32_t kHistoryBytes = 512;

    FlowInspector& inspector;
    core::Flow& flow;
    FlowInspection& state;
    bool to_server;
    uint64_t ts_us; // capture time of the packet that delivered these bytes
    AlertSink& sink;

    ScanContext(FlowInspector& i, core::Flow& f, FlowInspection& s, bool ts, uint64_t t,
                AlertSink& a) noexcept
        : inspector(i), flow(f), state(s), to_server(ts), ts_us(t), sink(a) {}

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

    // A decoder's layer could not be opened (too many open): counted, as are its bytes, which
    // no layer scans.
    void countRefusedLayer() noexcept;
    void countRefusedBytes(uint32_t len) noexcept;

    // The worker's buffer for gathering decoded-layer slot `slot`'s pieces of one raw chunk.
    std::string& gatherBuffer(uint32_t slot) noexcept;

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
