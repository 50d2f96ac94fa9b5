// PdfDocument (dpi/transform/pdf/pdf_document.h) with its object scanner: object headers,
// dictionaries (fonts, resources, object streams, trailers), streams ended by "endstream",
// filter chains, CMaps, content streams held for fonts that come later, the bounds, a hole.
//
// Input: [limits][split seed: 4] then the file.
//   limits bits 0-1: max_stream_bytes 1 KiB, 4 KiB, 64 KiB, 16 MiB
//          bits 2-3: max_buffered_bytes 0, 256, 4 KiB, 32 MiB
//          bit 4:    max_objects 3 (else 1M)
//          bit 5:    a worker budget of 8 KiB (else 64 MiB)
//          bit 6:    a hole told with gap() before the byte at (seed >> 8) % (size + 1)
//          bit 7:    attached files decoded into a sink (else skipped)
// Checks: the text is valid UTF-8; the budget is given back in full when the document goes;
// attachments begin and end in pairs, one at a time, none left open, none over the stream
// bound; the same text, reason and attachments (names, bytes, reasons) whole and split (unless
// the worker budget refused a buffer in either run: that depends on how the string buffers grew,
// and a stop such as the object bound can hide it behind its own reason).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

#include "dpi/decode/mime/mime_charset.h"
#include "dpi/transform/pdf/pdf_document.h"
#include "fuzz_input.h"

using namespace egressmon;

namespace {

constexpr uint64_t kStreamBytes[] = {1024, 4096, 65536, 16u << 20};
constexpr uint64_t kBufferedBytes[] = {0, 256, 4096, 32u << 20};

struct Attachments final : dpi::PdfAttachmentSink {
    explicit Attachments(uint64_t bound) : bound(bound) {}
    void beginAttachment(std::string_view name) noexcept override {
        if (open) std::abort();
        open = true;
        log += "<" + std::string(name) + ">";
        bytes = 0;
    }
    void attachmentData(const uint8_t* data, size_t len) noexcept override {
        if (!open || len == 0) std::abort();
        bytes += len;
        if (bytes > bound) std::abort();
        log.append(reinterpret_cast<const char*>(data), len);
    }
    void endAttachment(const char* why) noexcept override {
        if (!open) std::abort();
        open = false;
        log += "</" + std::string(why ? why : "") + ">";
    }
    uint64_t bound;
    uint64_t bytes = 0;
    bool open = false;
    std::string log;
};

struct Result {
    std::string text;
    std::string why;
    bool encrypted = false;
    std::string attachments;
    bool memory_refused = false; // the worker budget refused a buffer (behind any other reason)
};

uint64_t noTime() noexcept {
    return 0; // the time bound is not fuzzed: whole and split must agree
}

Result run(const dpi::PdfLimits& limits, uint64_t budget_bytes, std::span<const uint8_t> file,
           bool hole, size_t hole_at, uint32_t seed, bool attachments) {
    dpi::PdfCounters counters;
    dpi::ExtractionBudget budget;
    budget.limit = budget_bytes;
    Result r;
    Attachments files(limits.max_stream_bytes);
    {
        dpi::PdfDocument doc(limits, counters, &budget, noTime);
        if (attachments) doc.setAttachmentSink(&files);
        const auto feed = [&](std::span<const uint8_t> part) {
            fuzz::feedInPieces(part, seed, 4096,
                               [&](const uint8_t* piece, size_t n) { doc.feed(piece, n, r.text); });
        };
        if (hole) {
            feed(file.first(hole_at));
            doc.gap();
            feed(file.subspan(hole_at));
        } else {
            feed(file);
        }
        doc.finish(r.text);
        if (const char* why = doc.uninspectable()) r.why = why;
        r.encrypted = doc.encrypted();
        r.memory_refused = counters.memory_exceeded > 0;
        if (budget.in_use > budget.limit) std::abort();
        if (files.open) std::abort(); // finish() ends an attachment the file cut
    }
    r.attachments = std::move(files.log);
    if (budget.in_use != 0) std::abort(); // every reservation given back
    if (!dpi::isValidUtf8(r.text)) std::abort();
    return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t bits = in.u8();
    const uint32_t raw_seed = in.u32();
    const uint32_t seed = raw_seed | 1;
    const auto file = in.rest();
    dpi::PdfLimits limits;
    limits.max_stream_bytes = kStreamBytes[bits & 3];
    limits.max_buffered_bytes = kBufferedBytes[(bits >> 2) & 3];
    limits.max_objects = (bits & 16) ? 3 : 1000000;
    limits.max_compression_ratio = 100;
    const uint64_t budget = (bits & 32) ? 8192 : 64u << 20;
    const bool hole = bits & 64;
    const size_t hole_at = (raw_seed >> 8) % (file.size() + 1);
    const bool attachments = bits & 128;
    const Result whole = run(limits, budget, file, hole, hole_at, 0, attachments);
    const Result split = run(limits, budget, file, hole, hole_at, seed, attachments);
    // How the string buffers grew decides when the worker budget runs out; a stop (the object
    // bound) can hide that reason behind its own.
    if (whole.memory_refused || split.memory_refused) return 0;
    if (whole.text != split.text || whole.why != split.why || whole.encrypted != split.encrypted ||
        whole.attachments != split.attachments) {
        if (std::getenv("PDF_FUZZ_DEBUG"))
            std::fprintf(stderr, "whole [%s] %s %d\nsplit [%s] %s %d\n", whole.text.c_str(),
                         whole.why.c_str(), whole.encrypted, split.text.c_str(), split.why.c_str(),
                         split.encrypted);
        std::abort();
    }
    return 0;
}
