// XmlTextExtractor (dpi/transform/xml/xml_text_extractor.h): expat over hostile XML in each
// office vocabulary, with small bounds (depth, token size, amplification), holes and aborts.
//
// Input: [control][split seed: 4] then the XML.
//   control bits 0-1: the format: Word, Spreadsheet, Presentation, OpenDocument (Metadata
//                     instead when the split seed's bit 1 is set)
//           bits 2-3: max_depth 1, 4, 32, 256
//           bit 4:    max_token_bytes 48 (else 1 MiB)
//           bit 5:    max_amplification 1 with a 64-byte activation threshold (else defaults)
//           bit 6:    a hole after (seed >> 8) % (size + 1) bytes: gap() then the rest
//           bit 7:    the input is given up (abort()) instead of finished
// Checks: no output piece over kBufferBytes, nothing written after abort(), an outcome once the
// end is told (Reading never stays), and, for input neither cut by a hole nor given up (there a
// piece may end inside a token expat has not judged yet), whole vs split: the same outcome
// (except where the token bound meets malformed input: which is found first depends on where a
// piece ends) and, for a part that ended Complete, Depth, Entities or Namespaces, the same text.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "dpi/transform/xml/xml_text_extractor.h"
#include "fuzz_input.h"

using namespace egressmon;
using dpi::XmlOutcome;

namespace {

struct Collect final : dpi::XmlTextOutput {
    void text(std::string_view utf8) noexcept override {
        if (utf8.empty() || utf8.size() > dpi::XmlTextExtractor::kBufferBytes || closed)
            std::abort();
        out.append(utf8);
    }
    std::string out;
    bool closed = false; // abort() was called
};

struct Run {
    std::string text;
    XmlOutcome outcome;
};

// Feeds `xml` split by `seed` (0: whole), with gap() after `hole` bytes when control says so.
Run extract(uint8_t control, bool metadata, const dpi::XmlLimits& limits,
            std::span<const uint8_t> xml, size_t hole, uint32_t seed) {
    static constexpr dpi::XmlFormat kFormats[] = {dpi::XmlFormat::Word, dpi::XmlFormat::Spreadsheet,
                                                  dpi::XmlFormat::Presentation,
                                                  dpi::XmlFormat::OpenDocument};
    Collect out;
    dpi::XmlTextExtractor x(metadata ? dpi::XmlFormat::Metadata : kFormats[control & 3], limits,
                            out);
    fuzz::feedInPieces(xml.first(hole), seed, 512,
                       [&](const uint8_t* piece, size_t n) { x.feed(piece, n); });
    if (control & 0x40) {
        x.gap();
        if (x.outcome() == XmlOutcome::Reading) std::abort();
        fuzz::feedInPieces(xml.subspan(hole), seed, 512,
                           [&](const uint8_t* piece, size_t n) { x.feed(piece, n); });
    }
    if (control & 0x80) {
        x.abort();
        out.closed = true;
        x.finish();
    } else {
        x.finish();
    }
    if (x.outcome() == XmlOutcome::Reading) std::abort();
    return {out.out, x.outcome()};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t control = in.u8();
    const uint32_t seed = in.u32() | 1; // never 0: the split run is split
    const std::span<const uint8_t> xml = in.rest();

    static constexpr uint32_t kDepths[] = {1, 4, 32, 256};
    dpi::XmlLimits limits;
    limits.max_depth = kDepths[(control >> 2) & 3];
    if (control & 0x10) limits.max_token_bytes = 48;
    if (control & 0x20) limits.max_amplification = 1, limits.amplification_threshold = 64;

    const size_t hole = (control & 0x40) ? (seed >> 8) % (xml.size() + 1) : xml.size();
    const bool metadata = (control & 3) == 3 && (seed & 2); // OpenDocument's half of the seeds
    const Run whole = extract(control, metadata, limits, xml, hole, 0);
    const Run split = extract(control, metadata, limits, xml, hole, seed);
    // A hole or an abort cuts the input where a piece may have left a token unjudged (expat
    // holds it): what was found before the cut may differ, and only the checks above hold.
    if (control & 0xC0) return 0;
    const bool token_race =
        whole.outcome == XmlOutcome::TokenTooLarge || split.outcome == XmlOutcome::TokenTooLarge;
    if (!token_race && whole.outcome != split.outcome) std::abort();
    const bool text_defined =
        whole.outcome == XmlOutcome::Complete || whole.outcome == XmlOutcome::Depth ||
        whole.outcome == XmlOutcome::Entities || whole.outcome == XmlOutcome::Namespaces;
    if (text_defined && whole.outcome == split.outcome && whole.text != split.text) std::abort();
    return 0;
}
