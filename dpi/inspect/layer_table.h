#pragma once
// Internal to the inspection session: the decoded layers open in one direction of a session, as
// the DecodedLayerSink its decoder writes into, with the tree they form (each layer's parent)
// and the file each carries. Each layer instance is scanned as its own stream;
// pieces a decoder hands over inside one raw chunk are gathered and scanned in one call; the
// stretches of the raw chunk a layer passed on unchanged are noted so the raw scan can skip them.
//
// Thread: the worker owning the session. noexcept except the constructor (allocates).

#include <algorithm>
#include <cstdint>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/inspect/inspection_engine.h"
#include "dpi/inspect/inspection_session.h"
#include "dpi/inspect/layer_file.h"
#include "dpi/inspect/layer_scan.h"

namespace egressmon::dpi {

// The decoded layers open in one direction (a body and the part inside it...): each is its own
// layer instance with its own stream. Bound to a ScanContext only while a decoder runs.
struct LayerTable final : DecodedLayerSink {
    // At most `max_open` layers at once (InspectionConfig::max_open_layers; the engine has one
    // gather buffer per slot), and files nested at most `max_file_depth` deep. The slots grow
    // with the deepest nesting the direction has seen, so a flow that only ever opens a body
    // holds one. Allocated with the direction's decoder.
    LayerTable(uint32_t max_open, uint32_t max_file_depth, bool file_records,
               uint64_t max_decoded_bytes = UINT64_MAX) noexcept
        : max_open(max_open), max_file_depth(max_file_depth), file_records(file_records),
          max_decoded_bytes(max_decoded_bytes) {}
    const uint32_t max_open;
    const uint32_t max_file_depth;
    const bool file_records; // --files: files are hashed and reported when they end
    // extraction.max-flow-decoded-bytes: every decoded layer's bytes of this direction together
    // (bodies inflated, archive entries, document text...). Past it the session stops decoding
    // the direction (decoded_bound_reached; the raw stream is still scanned up to the depth).
    const uint64_t max_decoded_bytes;
    uint64_t decoded_bytes = 0;
    bool decoded_bound_reached = false;
    std::vector<LayerScanner> slots;
    std::vector<bool> used;
    std::vector<LayerId> parents; // of each open layer: the tree alerts walk up for file paths
    std::vector<LayerFile> files; // what each open layer's file is, when it carries one
    ScanContext* ctx = nullptr;

    LayerId beginLayer(const LayerInfo& info, LayerId parent) noexcept override {
        if (info.file && fileDepth(parent) >= max_file_depth) {
            // Files inside files beyond extraction.max-depth: a 42.zip-style nest is not
            // followed down; the file holding it is not fully inspected.
            if (ctx) ++ctx->engine.counters().file_depth_exceeded;
            FileNote note;
            note.uninspectable = "max-depth";
            noteFile(parent, note);
            return kNoLayer;
        }
        const uint32_t slot = freeSlot();
        if (slot == kNoSlot) {
            // More nesting than configured: the raw stream still covers bytes passed through
            // unchanged, but what this layer would decode is not scanned, so it is counted.
            if (ctx) ++ctx->engine.counters().layers_refused;
            return kNoLayer;
        }
        used[slot] = true;
        slots[slot] = LayerScanner{};
        slots[slot].name = info.type;
        parents[slot] = parent;
        files[slot].begin(info, file_records);
        return slot + 1;
    }
    void layerData(LayerId id, const uint8_t* data, uint32_t len) noexcept override {
        if (!ctx) return;
        if (id == kNoLayer) {
            ctx->engine.counters().layer_bytes_refused += len;
            return;
        }
        if (!used[id - 1]) return;
        decoded_bytes += len;
        if (decoded_bytes > max_decoded_bytes && !decoded_bound_reached) passDecodedBound();
        if (files[id - 1].digest.active()) files[id - 1].digest.update(data, len);
        noteCoverage(data, len);
        // Decoders hand their output over in small pieces (a chunk, a MIME line, a base64
        // line...). Inside a raw chunk the pieces are gathered and scanned in one call per
        // layer at the end of the chunk: each Hyperscan call has a fixed cost.
        if (raw_begin) {
            std::string& gathered = ctx->engine.gatherBuffer(id - 1);
            try {
                gathered.append(reinterpret_cast<const char*>(data), len);
                return;
            } catch (const std::bad_alloc&) {
                flushGathered(id - 1); // keep the order, then scan this piece as it is
            }
        }
        ctx->scan(slots[id - 1], data, len);
    }
    // Once per direction: counted, and every file open now is not fully inspected.
    void passDecodedBound() noexcept {
        decoded_bound_reached = true;
        if (ctx) ++ctx->engine.counters().flow_decoded_exceeded;
        FileNote note;
        note.uninspectable = "max-flow-decoded-bytes";
        for (uint32_t i = 0; i < slots.size(); ++i)
            if (used[i] && files[i].is_file) noteFile(i + 1, note);
    }
    void layerGap(LayerId id, uint64_t missing) noexcept override {
        if (id == kNoLayer || !used[id - 1]) return;
        if (files[id - 1].is_file) {
            files[id - 1].gaps = true;
            char ignored[65];
            files[id - 1].digest.finish(ignored); // a digest of part of a file means nothing
        }
        if (!ctx) return;
        flushGathered(id - 1); // what came before the hole is scanned before it
        ctx->gap(slots[id - 1], missing);
    }
    void flushGathered(uint32_t slot) noexcept {
        std::string& gathered = ctx->engine.gatherBuffer(slot);
        if (gathered.empty()) return;
        ctx->scan(slots[slot], reinterpret_cast<const uint8_t*>(gathered.data()),
                  static_cast<uint32_t>(gathered.size()));
        gathered.clear();
    }
    void flushAllGathered() noexcept {
        if (!ctx) return;
        for (uint32_t i = 0; i < slots.size(); ++i)
            if (used[i]) flushGathered(i);
    }

    // The raw chunk the decoders are working through, and the stretches of it they passed on
    // unchanged (an identity or de-chunked body points into the raw bytes): those stretches
    // were just scanned as a decoded layer and need no second scan as raw bytes.
    const uint8_t* raw_begin = nullptr;
    const uint8_t* raw_end = nullptr;
    static constexpr uint32_t kMaxCovered = 16;
    std::pair<uint32_t, uint32_t> covered[kMaxCovered]; // [from, to) offsets in the raw chunk
    uint32_t covered_count = 0;
    bool covered_overflow = false; // too many stretches to track: scan the raw chunk whole

    void beginRawChunk(const uint8_t* data, uint32_t len) noexcept {
        raw_begin = data, raw_end = data + len;
        covered_count = 0, covered_overflow = false;
    }
    void endRawChunk() noexcept { raw_begin = raw_end = nullptr; }
    void noteCoverage(const uint8_t* data, uint32_t len) noexcept {
        if (!raw_begin || data < raw_begin || data + len > raw_end || len == 0) return;
        if (covered_count == kMaxCovered) {
            covered_overflow = true;
            return;
        }
        const auto from = static_cast<uint32_t>(data - raw_begin);
        covered[covered_count++] = {from, from + len};
    }
    // The covered stretches sorted and merged; returns how many.
    uint32_t mergedCoverage() noexcept {
        if (covered_overflow) return 0;
        std::sort(covered, covered + covered_count);
        uint32_t n = 0;
        for (uint32_t i = 0; i < covered_count; ++i) {
            if (n > 0 && covered[i].first <= covered[n - 1].second)
                covered[n - 1].second = std::max(covered[n - 1].second, covered[i].second);
            else
                covered[n++] = covered[i];
        }
        return covered_count = n;
    }
    void endLayer(LayerId id) noexcept override {
        if (id == kNoLayer || !used[id - 1]) return;
        if (ctx) {
            flushGathered(id - 1);
            ctx->close(slots[id - 1]);
            // Whole now: the rules that judge files, and the matches that waited for it.
            if (files[id - 1].is_file) ctx->session.fileEnded(*ctx, *this, id);
        }
        slots[id - 1] = LayerScanner{};
        files[id - 1].end();
        used[id - 1] = false;
    }

    // How many files contain layer `id` (itself included).
    uint32_t fileDepth(LayerId id) const noexcept {
        uint32_t depth = 0;
        for (LayerId f = fileAtOrAbove(id); f != kNoLayer; f = fileAbove(f))
            ++depth;
        return depth;
    }

    // The file at or above layer `id` (itself, or the layer it was decoded from...); kNoLayer
    // when none. Bounded by the table's size: a parent is always opened before its child.
    LayerId fileAtOrAbove(LayerId id) const noexcept {
        for (size_t steps = 0; id != kNoLayer && steps <= slots.size(); ++steps) {
            if (!used[id - 1]) return kNoLayer;
            if (files[id - 1].is_file) return id;
            id = parents[id - 1];
        }
        return kNoLayer;
    }
    LayerId fileAbove(LayerId file) const noexcept {
        return file == kNoLayer ? kNoLayer : fileAtOrAbove(parents[file - 1]);
    }
    // Type refinements go to the file itself; encrypted and uninspectable to every file that
    // contains it too (the archive holding an encrypted entry is encrypted).
    void noteFile(LayerId id, const FileNote& note) noexcept override {
        LayerId at = fileAtOrAbove(id);
        if (at == kNoLayer) return;
        if (note.refine_type) files[at - 1].type = note.type;
        if (!note.encrypted && !note.uninspectable) return;
        for (size_t steps = 0; at != kNoLayer && steps <= slots.size(); ++steps) {
            LayerFile& f = files[at - 1];
            f.encrypted = f.encrypted || note.encrypted;
            if (note.uninspectable && !f.uninspectable) f.uninspectable = note.uninspectable;
            at = fileAbove(at);
        }
    }
    static constexpr uint32_t kNoSlot = UINT32_MAX;
    // A free slot, grown into when all are in use and the bound allows; kNoSlot when none.
    uint32_t freeSlot() noexcept {
        for (uint32_t i = 0; i < slots.size(); ++i)
            if (!used[i]) return i;
        if (slots.size() >= max_open) return kNoSlot;
        try {
            slots.emplace_back();
            used.push_back(false);
            parents.push_back(kNoLayer);
            files.emplace_back();
        } catch (const std::bad_alloc&) {
            const size_t n = std::min({slots.size(), used.size(), parents.size(), files.size()});
            slots.resize(n), used.resize(n), parents.resize(n), files.resize(n);
            return kNoSlot;
        }
        return static_cast<uint32_t>(slots.size() - 1);
    }

    // The layer a scanner belongs to; kNoLayer for a scanner outside the table (the raw
    // stream).
    LayerId idOf(const LayerScanner* scanner) const noexcept {
        if (slots.empty() || scanner < slots.data() || scanner >= slots.data() + slots.size())
            return kNoLayer;
        return static_cast<LayerId>(scanner - slots.data()) + 1;
    }
    void endAll() noexcept {
        for (uint32_t i = 0; i < slots.size(); ++i)
            if (used[i]) endLayer(i + 1);
    }
};

} // namespace egressmon::dpi
