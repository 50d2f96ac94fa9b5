#pragma once
// A DecodedLayerSink for the stream decoder targets: enforces the sink contract (data and end
// only for open layers, each layer ended once, no empty piece) by aborting, so libFuzzer reports
// a violation as a crash, and records each layer's bytes so that two ways of feeding the same
// stream can be compared. Below it, the runs the stream decoder targets (HTTP, SMTP) share.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dpi/decode/decoded_layer_sink.h"
#include "fuzz_input.h"

namespace egressmon::fuzz {

class LayerCheckSink final : public dpi::DecodedLayerSink {
  public:
    // max_open: how many layers may be open at once before beginLayer refuses (kNoLayer), as
    // the inspector does when nesting gets deeper than it tracks.
    explicit LayerCheckSink(size_t max_open = SIZE_MAX) : max_open_(max_open) {}

    dpi::LayerId beginLayer(const dpi::LayerInfo& info, dpi::LayerId parent) noexcept override {
        const char* name = info.type;
        if (name == nullptr) std::abort();
        // A layer is decoded from one that is open (or from the stream itself).
        if (parent != dpi::kNoLayer && open_.count(parent) == 0) std::abort();
        if (open_.size() >= max_open_) return dpi::kNoLayer;
        layers_.emplace_back(name, std::string());
        const auto id = static_cast<dpi::LayerId>(layers_.size()); // ids start at 1
        open_.emplace(id, layers_.size() - 1);
        return id;
    }
    void layerData(dpi::LayerId id, const uint8_t* data, uint32_t len) noexcept override {
        if (id == dpi::kNoLayer) return;
        const auto it = open_.find(id);
        if (it == open_.end()) std::abort(); // data for a layer not open
        if (len == 0 || data == nullptr) std::abort();
        std::string& bytes = layers_[it->second].second;
        // Only a bounded prefix is kept: enough to compare, cheap on decompressed bodies.
        if (bytes.size() < kMaxKept)
            bytes.append(reinterpret_cast<const char*>(data),
                         std::min<size_t>(len, kMaxKept - bytes.size()));
    }
    void layerGap(dpi::LayerId id, uint64_t missing) noexcept override {
        if (id == dpi::kNoLayer) return;
        if (open_.find(id) == open_.end() || missing == 0) std::abort(); // gap in no open layer
        layers_[open_[id]].second += "<gap>";
    }
    void endLayer(dpi::LayerId id) noexcept override {
        if (id == dpi::kNoLayer) return;
        if (open_.erase(id) != 1) std::abort(); // ended twice, or never begun
    }

    size_t openCount() const { return open_.size(); }
    // Every layer in begin order with its bytes: equal for equal decodings.
    std::string render() const {
        std::string out;
        for (const auto& [name, bytes] : layers_)
            out += "<" + name + ">" + bytes + "\n";
        return out;
    }

  private:
    static constexpr size_t kMaxKept = 64 * 1024;
    size_t max_open_;
    std::vector<std::pair<std::string, std::string>> layers_;
    std::map<dpi::LayerId, size_t> open_; // id -> index in layers_
};

// One run of a stream decoder from make() (onData / onEnd, as HttpDecoder and SmtpDecoder
// have) over `stream` into `sink`: whole when `seed` is 0, else in pieces of up to 4 KiB from
// PieceSizes(seed). No layer may be left open after onEnd.
template <typename MakeDecoder>
void decodeStream(MakeDecoder&& make, std::span<const uint8_t> stream, uint32_t seed,
                  LayerCheckSink& sink) {
    auto decoder = make();
    if (seed == 0) // even an empty stream is handed over once
        decoder.onData(stream.data(), static_cast<uint32_t>(stream.size()), sink);
    else
        feedInPieces(stream, seed, 4096, [&](const uint8_t* piece, size_t n) {
            decoder.onData(piece, static_cast<uint32_t>(n), sink);
        });
    decoder.onEnd(sink);
    if (sink.openCount() != 0) std::abort();
}

// A gap and a sink that refuses layers, as the stream decoder targets' mode byte asks (bit 1: a
// gap is announced after `gap_at` bytes; bits 2-3: the sink refuses layers past 1-3 open ones,
// 0: never); nothing when it asks for neither. Only the contract is checked: after onGap a
// decoder that stopped has no layer open (one that resynchronised may go on), and none is left
// open after onEnd.
template <typename MakeDecoder>
void checkGapAndRefusal(MakeDecoder&& make, std::span<const uint8_t> stream, uint8_t mode,
                        uint16_t gap_at) {
    const bool gap = mode & 2;
    const size_t max_open = (mode >> 2) & 3;
    if (!gap && max_open == 0) return;
    LayerCheckSink sink(max_open == 0 ? SIZE_MAX : max_open);
    auto decoder = make();
    const size_t cut = gap ? std::min<size_t>(gap_at, stream.size()) : stream.size();
    decoder.onData(stream.data(), static_cast<uint32_t>(cut), sink);
    if (gap) {
        decoder.onGap(1, sink);
        if (decoder.stopped() && sink.openCount() != 0) std::abort();
    }
    decoder.onData(stream.data() + cut, static_cast<uint32_t>(stream.size() - cut), sink);
    decoder.onEnd(sink);
    if (sink.openCount() != 0) std::abort();
}

// A hole in a fuzzed stream: `missing` bytes lost just before stream byte `at`.
struct StreamGap {
    size_t at = 0;
    uint64_t missing = 1;
};

// Reads a gap program from the input: up to 8 holes, at ascending offsets (each a u16 step from
// the last), each of 1 byte up to ~2^47 bytes (a u16 scaled by a fuzzer-chosen shift), so holes
// fall inside and past bodies, headers and the decoders' bounds.
inline std::vector<StreamGap> readGaps(FuzzInput& in) {
    std::vector<StreamGap> gaps(in.u8() % 9);
    size_t at = 0;
    for (auto& g : gaps) {
        at += in.u16();
        const uint64_t len = in.u16();
        g.at = at;
        g.missing = (len << (in.u8() % 32)) + 1;
    }
    return gaps;
}

// One run of a stream decoder from make() (onData / onGap / onEnd) over `stream` with the
// `gaps` announced at their offsets (past the end: after the last byte), into `sink`: the bytes
// between holes whole when `seed` is 0, else in pieces from PieceSizes(seed). After each onGap a
// decoder that stopped has no layer open (one that resynchronised may go on); none is left open
// after onEnd.
template <typename MakeDecoder>
void decodeStreamWithGaps(MakeDecoder&& make, std::span<const uint8_t> stream,
                          const std::vector<StreamGap>& gaps, uint32_t seed, LayerCheckSink& sink) {
    auto decoder = make();
    size_t pos = 0;
    const auto feedTo = [&](size_t to) {
        feedInPieces(stream.subspan(pos, to - pos), seed, 4096, [&](const uint8_t* p, size_t n) {
            decoder.onData(p, static_cast<uint32_t>(n), sink);
        });
        pos = to;
    };
    for (const StreamGap& g : gaps) {
        feedTo(std::max(pos, std::min(g.at, stream.size())));
        decoder.onGap(g.missing, sink);
        if (decoder.stopped() && sink.openCount() != 0) std::abort();
    }
    feedTo(stream.size());
    decoder.onEnd(sink);
    if (sink.openCount() != 0) std::abort();
}

} // namespace egressmon::fuzz
