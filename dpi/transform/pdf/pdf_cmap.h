#pragma once
// A font's ToUnicode CMap (ISO 32000-1 §9.10.3, Adobe TN 5014 and 5411): how the codes a
// content stream shows in that font read as text. Parsed from the complete (decoded) CMap
// program the caller buffered:
//
//   - `begincodespacerange`: the byte ranges (per byte, 1-4 bytes) that tell how long a code is.
//   - `beginbfchar`: <code> <dst>.
//   - `beginbfrange`: <lo> <hi> <dst> (code lo + k reads as dst with k added to its last UTF-16
//     unit, so a carry out of the last byte goes on, as pdf.js reads it) and
//     <lo> <hi> [<d0> <d1> ...] (one destination per code, from lo).
//   - Destinations are UTF-16BE: surrogate pairs join, several units are a string (ligatures);
//     a lone surrogate reads as U+FFFD. Past kMaxDestinationUnits units a destination is cut.
//   - Names as destinations (/space), cidrange/cidchar and usecmap are ignored: a ToUnicode CMap
//     does not need them, and a name would need the Adobe glyph list.
//   - A later bfchar for the same code replaces an earlier one; a bfchar wins over a bfrange;
//     among overlapping ranges, the one that starts nearest below the code wins (looking back
//     over at most kMaxOverlapSteps of them, which keeps every lookup logarithmic).
//
// Thread: built and used by the worker that owns the flow (const use from several threads is
// safe). Memory: ~20 bytes per bfchar, ~36 per bfrange, 2 per destination unit, 8 per array
// element, 9 per codespace range (at most kMaxCodespaceRanges): linear in the program's size,
// and memoryBytes() says how much. noexcept; an allocation failure keeps what was parsed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace egressmon::dpi {

class PdfCMap {
  public:
    // Longest destination kept, in UTF-16 units: a ligature or a short word, never a paragraph
    // hidden behind one code. So each code gives at most 3 * 32 = 96 bytes of UTF-8.
    static constexpr uint32_t kMaxDestinationUnits = 32;
    static constexpr size_t kMaxCodeUtf8 = 3 * kMaxDestinationUnits;
    static constexpr size_t kMaxCodespaceRanges = 64; // real CMaps declare 1 to ~10
    static constexpr size_t kMaxOverlapSteps = 8;

    // Parses a CMap program. At most `max_mappings` bfchar entries + bfrange ranges kept (more
    // are dropped and counted in droppedMappings()). Never throws; on bad_alloc keeps what it has.
    static PdfCMap parse(std::string_view program, uint32_t max_mappings) noexcept;
    bool empty() const noexcept { return chars_.empty() && ranges_.empty(); }
    // Splits `shown` (the bytes of a string operand) into codes by the codespace ranges (a code's
    // length is the one whose range its first byte(s) fall in; with no codespace ranges declared,
    // the lengths of the mapped codes decide, else 1 byte) and appends each code's text as UTF-8
    // to `out`; a code without a mapping appends nothing.
    void decode(std::string_view shown, std::string& out) const noexcept;
    uint32_t droppedMappings() const noexcept { return dropped_; }
    size_t memoryBytes() const noexcept; // approximate heap use, for the caller's memory bound

  private:
    class Parser;

    struct Destination { // units_[offset, offset + units)
        uint32_t offset = 0;
        uint8_t units = 0;
    };
    struct CharMapping {
        uint32_t code;
        uint32_t order; // the definition's place in the program: the later one wins
        Destination dst;
        uint8_t length; // bytes of the code
    };
    struct RangeMapping {
        uint32_t lo;
        uint32_t hi;
        uint32_t max_hi; // the highest hi of this range and those sorted before it (same length)
        uint32_t order;
        Destination dst;      // the <dst> form
        uint32_t array_first; // the [...] form: array_dsts_[array_first, + array_count)
        uint32_t array_count;
        uint8_t length;
        bool array;
    };
    struct Codespace {
        std::array<uint8_t, 4> lo;
        std::array<uint8_t, 4> hi;
        uint8_t length;
    };
    // What a code reads as: `units` with `add` added to the last one.
    struct Found {
        const uint16_t* units = nullptr;
        uint8_t count = 0;
        uint16_t add = 0;
    };

    size_t codeLength(std::string_view rest) const noexcept;
    bool find(uint32_t code, uint8_t length, Found& found) const noexcept;
    void appendUtf8(const Found& found, std::string& out) const;
    void finishParse() noexcept; // sorts and indexes what was parsed

    std::vector<uint16_t> units_;
    std::vector<CharMapping> chars_;
    std::vector<RangeMapping> ranges_;
    std::vector<Destination> array_dsts_;
    std::vector<Codespace> codespaces_;
    uint32_t dropped_ = 0;
    uint8_t mapped_lengths_ = 0; // bit n-1: some mapping has an n-byte code
};

} // namespace egressmon::dpi
