#pragma once
// One node of a decoder's layer tree: a layer instance (a body, its decompressed bytes, a
// multipart part...) that writes its bytes to the DecodedLayerSink, where they are scanned, and
// into the transforms the registry routes it to, whose outputs are nodes in turn.
//
// A node begins its layer on its first byte, so empty bodies and parts give no layer. It then
// asks the registry which transforms read it (by LayerInfo and, for registrations that want
// them, the first bytes: up to kMaxSniffBytes are held until known). Only a layer the sink
// accepted is routed further: a refused layer's bytes are counted by the sink, and nothing is
// decoded beneath it, so the tree's depth is bounded by the open-layer bound
// (inspection-max-layers; kMaxDepth besides). A hole before the first byte is told to the layer and
// to its transforms when it begins (magic bytes are then unknown: only registrations that need none
// apply).
//
// Thread: the worker owning the decoder. noexcept; prepare() copies the strings it keeps and
// counts a failure to (transforms_refused), leaving the layer unrouted.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

class LayerNode {
  public:
    static constexpr uint32_t kMaxSniffBytes = 16; // at least kFileSniffBytes
    static constexpr size_t kMaxTransforms = 2;    // a layer is read by at most this many
    // Layers deeper than this are not routed further (counted in transforms_refused). Each
    // level holds an open layer, so inspection-max-layers (at most 64) bounds the tree first;
    // this guards a sink that refuses nothing (tests, benchmarks) against a format that
    // contains itself.
    static constexpr uint32_t kMaxDepth = 64;

    LayerNode() = default;
    ~LayerNode();
    LayerNode(const LayerNode&) = delete;
    LayerNode& operator=(const LayerNode&) = delete;

    // A new layer instance, child of `parent` (kNoLayer: a root), not begun yet. A node still
    // open is aborted first.
    void prepare(TransformContext& ctx, const LayerInfo& info, LayerId parent) noexcept;
    void data(const uint8_t* data, size_t len) noexcept;
    // `missing` bytes of the layer were lost: the layer and its transforms hear it.
    void gap(uint64_t missing) noexcept;
    // The layer is complete: transforms flush and end, then the layer ends.
    void finish() noexcept;
    // The layer is given up: transforms end without flushing, then the layer ends.
    void abort() noexcept;

    // Something learned about the file this layer carries (FileNote), told to the sink about
    // this layer: at once when it has begun, else when it begins (its first bytes may still be
    // held for sniffing; a second note before then replaces the first). A layer that never
    // begins has no file to tell it about.
    void noteFile(const FileNote& note) noexcept;

    bool prepared() const noexcept { return ctx_ != nullptr; }
    bool begun() const noexcept { return begun_; }
    LayerId id() const noexcept { return id_; }

  private:
    void begin(const uint8_t* first, size_t first_len) noexcept;
    void pass(const uint8_t* data, size_t len) noexcept;
    void close(bool flush) noexcept;

    TransformContext* ctx_ = nullptr;
    LayerInfo info_;        // its views point into the strings below
    std::string boundary_;  // copied: the head it came from is gone when the layer begins
    std::string file_name_; // likewise
    LayerId parent_ = kNoLayer;
    LayerId id_ = kNoLayer;
    bool begun_ = false;
    bool carries_file_ = false; // info_.file, and no content coding left to undo
    uint64_t gap_before_ = 0;   // lost before the first byte
    bool note_pending_ = false; // noteFile() before the layer began
    FileNote pending_note_;
    uint32_t sniff_bytes_ = 0;
    uint32_t held_len_ = 0; // first bytes held for sniffing
    std::array<uint8_t, kMaxSniffBytes> held_{};
    std::array<std::unique_ptr<Transform>, kMaxTransforms> transforms_;
};

} // namespace egressmon::dpi
