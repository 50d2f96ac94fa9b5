#pragma once
// The one shape of every content transform (inflate, percent-decoding, MIME, and the document
// and archive readers of later issues): bytes of one layer in, in order, with holes and an end;
// decoded layers out, each a LayerNode that routes its own bytes into further transforms.
//
//   feed(bytes)  the next bytes of the input layer
//   gap(n)       n bytes of the input were lost: go on after them if the format allows, else end
//                the outputs (counted in gap_cut_layers)
//   finish()     the input is complete (or truncated by the end of the stream): flush, end
//   abort()      the input is given up: end the outputs without flushing held bytes
//
// A transform writes only into LayerNodes it owns; a node begins its layer on its first byte.
// Transforms are chosen for a layer by the registry (transform_registry.h) from the layer's
// LayerInfo and first bytes. Everything is noexcept: allocation failures end the transform's
// output and are counted.
//
// Thread: the worker that owns the flow (or ICAP transaction); a transform belongs to one layer.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "dpi/decode/mime/mime_parser.h"
#include "dpi/transform/extraction_budget.h"
#include "dpi/transform/layer_info.h"
#include "dpi/transform/pdf/pdf_counters.h"
#include "dpi/transform/pdf/pdf_document.h"
#include "dpi/transform/rtf/rtf_counters.h"
#include "dpi/transform/rtf/rtf_text_extractor.h"
#include "dpi/transform/sealed/sealed_counters.h"
#include "dpi/transform/sealed/sealed_limits.h"
#include "dpi/transform/tar/tar_counters.h"
#include "dpi/transform/xml/xml_counters.h"
#include "dpi/transform/xml/xml_text_extractor.h"
#include "dpi/transform/zip/zip_counters.h"
#include "dpi/transform/zip/zip_walker.h"

namespace egressmon::dpi {

class DecodedLayerSink;
class LayerNode;
struct TransformRegistration;

struct TransformLimits {
    uint64_t max_decompressed_bytes = 64ull << 20; // per inflated layer
    uint32_t max_compression_ratio = 1000;         // decompressed / compressed, per layer
    MimeLimits mime;                               // per MIME message or multipart body
};

// The config's `extraction:` section: bounds of the transforms that read files (archives,
// office documents' XML, RTF, PDF), and the memory a worker's extractors may hold.
struct FileLimits {
    ZipLimits zip;
    XmlLimits xml;
    RtfLimits rtf;
    PdfLimits pdf; // its ratio bound is zip's max_compression_ratio (FileDecoding copies it)
    SealedLimits sealed;
    uint64_t max_worker_memory = 256ull << 20; // extraction.max-worker-memory
    bool enabled = true;                       // extraction.enabled
};

// What the decoders of one worker share for the file transforms below them: the bounds of the
// config's `extraction:` section, and where archive counts go (null: not counted, as in unit
// tests).
struct FileDecoding {
    ZipLimits zip; // tar walks share max_entries and max_entry_bytes
    ZipCounters* zip_counters = nullptr;
    XmlLimits xml;
    XmlCounters* xml_counters = nullptr;
    TarCounters* tar_counters = nullptr;
    RtfLimits rtf;
    RtfCounters* rtf_counters = nullptr;
    PdfLimits pdf;
    PdfCounters* pdf_counters = nullptr;
    // The worker's extraction memory (extraction.max-worker-memory); null: not bounded.
    ExtractionBudget* extraction_budget = nullptr;
    // extraction.enabled: files are read (archives, documents); false: only the protocol's
    // encodings are undone (content codings, forms, MIME), files are still identified.
    bool extract = true;
    SealedLimits sealed;
    SealedCounters* sealed_counters = nullptr;
};

// What the transforms of one decoder counted since the decoder last folded them into its own
// exported counters (HttpDecoderCounters, SmtpDecoderCounters), which keep their names.
struct TransformCounters {
    uint64_t inflated_layers = 0;      // inflaters started
    uint64_t decompression_bombs = 0;  // an inflate bound hit
    uint64_t ratio_exceeded = 0;       // ... of them the ratio bound
    uint64_t decompression_errors = 0; // corrupt compressed data
    uint64_t gap_cut_layers = 0;       // output layers a hole ended early
    uint64_t mime_parts = 0;           // MIME leaf parts begun
    uint64_t mime_header_overflows = 0;
    uint64_t mime_line_overflows = 0;
    uint64_t mime_depth_overflows = 0;
    // A transform not run, or its output cut, for lack of memory; or a layer past
    // LayerNode::kMaxDepth not routed further.
    uint64_t transforms_refused = 0;
    ZipCounters zip;       // folded into FileDecoding::zip_counters (foldFileCounts)
    XmlCounters xml;       // folded into FileDecoding::xml_counters (foldFileCounts)
    TarCounters tar;       // ... and tar_counters
    RtfCounters rtf;       // folded into FileDecoding::rtf_counters (foldFileCounts)
    PdfCounters pdf;       // ... and pdf_counters
    SealedCounters sealed; // ... and sealed_counters
};

// Shared by every node and transform of one decoder.
struct TransformContext {
    DecodedLayerSink* sink = nullptr; // set by the decoder on each call into it
    TransformLimits limits;
    TransformCounters counters;
    std::span<const TransformRegistration> registry;
    FileDecoding files; // the worker's `extraction:` bounds and archive counters

    // The archive counts since the last call go to the worker's counters (the decoders fold
    // the rest of `counters` into their own exported names).
    void foldFileCounts() noexcept {
        if (files.zip_counters) *files.zip_counters += counters.zip;
        counters.zip = ZipCounters{};
        if (files.xml_counters) *files.xml_counters += counters.xml;
        counters.xml = XmlCounters{};
        if (files.tar_counters) *files.tar_counters += counters.tar;
        counters.tar = TarCounters{};
        if (files.rtf_counters) *files.rtf_counters += counters.rtf;
        counters.rtf = RtfCounters{};
        if (files.pdf_counters) *files.pdf_counters += counters.pdf;
        counters.pdf = PdfCounters{};
        if (files.sealed_counters) *files.sealed_counters += counters.sealed;
        counters.sealed = SealedCounters{};
    }
};

class Transform {
  public:
    virtual ~Transform() = default;
    virtual void feed(const uint8_t* data, size_t len) noexcept = 0;
    virtual void gap(uint64_t missing) noexcept = 0;
    virtual void finish() noexcept = 0;
    virtual void abort() noexcept = 0;
};

// One registration per transform (transform_registry.cpp): when it applies, and how to make it.
struct TransformRegistration {
    const char* name;
    // Whether the transform applies to a layer with this info and first bytes. `first` holds
    // min(sniff_bytes, layer length) bytes: fewer when the layer is that short or a hole cut
    // the held start, none when the start itself was lost.
    bool (*applies)(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
    // The transform reading the layer `parent` (of info `layer`, whose depth is already that of
    // the transform's outputs: they copy it). May throw std::bad_alloc.
    std::unique_ptr<Transform> (*make)(TransformContext& ctx, const LayerInfo& layer,
                                       LayerId parent);
    // Bytes of the layer's start `applies` needs to see (magic bytes); 0 for none.
    uint32_t sniff_bytes = 0;
    // The transform cannot start anywhere but at the layer's first byte (a compressed stream):
    // when that was lost it is not made, and the layer counts in gap_cut_layers instead.
    bool needs_start = false;
};

} // namespace egressmon::dpi
