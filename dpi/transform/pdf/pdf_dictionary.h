#pragma once
// One PDF dictionary read from its text (ISO 32000-1 §7.3.7), as much as a text extractor needs:
// its keys and, for each, the kind and bytes of its value. Values are views into the source;
// nested dictionaries and arrays are kept as their text and parsed again when wanted.
//
// The lexer knows names (#xx escapes kept as written: a content stream's Tf operand is written
// the same way), numbers, references (`12 0 R`), literal strings (balanced parentheses and
// backslash escapes), hex strings, arrays, dictionaries, comments and keywords. Anything it
// cannot read ends the dictionary where it is: a damaged dictionary gives the entries before
// the damage.
//
// Thread: any. Memory: a fixed table of kMaxEntries entries, no allocation.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace egressmon::dpi {

enum class PdfValueKind : uint8_t {
    Name,       // text: the name without its '/'
    Number,     // text: as written
    Reference,  // text: "12 0 R"; reference: 12
    String,     // text: with its parentheses
    HexString,  // text: with its angle brackets
    Array,      // text: with its brackets
    Dictionary, // text: with its << >>
    Keyword,    // true, false, null, or anything else bare
};

struct PdfValue {
    PdfValueKind kind = PdfValueKind::Keyword;
    std::string_view text;
    uint32_t reference = 0; // the object number, for Reference
};

// The next value of `source` at or after `pos` (whitespace and comments skipped), and where it
// ends; nullopt when none can be read (end of input, an unbalanced bracket, too deep).
struct PdfLexedValue {
    PdfValue value;
    size_t end = 0;
};
std::optional<PdfLexedValue> lexPdfValue(std::string_view source, size_t pos) noexcept;

// Whether `c` ends a name, number or keyword: PDF whitespace or a delimiter.
bool isPdfDelimiterOrSpace(unsigned char c) noexcept;

class PdfDictionary {
  public:
    // Keys kept of one dictionary; a font or page dictionary has a dozen or two. More are read
    // past and dropped.
    static constexpr size_t kMaxEntries = 64;
    struct Entry {
        std::string_view key; // without '/'
        PdfValue value;
    };

    // Reads the dictionary starting at the first "<<" of `source` (after whitespace and
    // comments). False when `source` does not start with one.
    bool parse(std::string_view source) noexcept;

    const PdfValue* find(std::string_view key) const noexcept;
    // The value of `key` when it is a name ("" otherwise).
    std::string_view name(std::string_view key) const noexcept;
    std::optional<uint32_t> reference(std::string_view key) const noexcept;
    std::optional<int64_t> integer(std::string_view key) const noexcept;
    bool has(std::string_view key) const noexcept { return find(key) != nullptr; }

    const Entry* begin() const noexcept { return entries_.data(); }
    const Entry* end() const noexcept { return entries_.data() + size_; }
    size_t size() const noexcept { return size_; }
    // Where the dictionary's ">>" ended in the source (its length when it was cut short).
    size_t endOffset() const noexcept { return end_; }
    bool complete() const noexcept { return complete_; }

  private:
    std::array<Entry, kMaxEntries> entries_{};
    size_t size_ = 0;
    size_t end_ = 0;
    bool complete_ = false;
};

// Calls `each(name)` for a value that is a name or an array of names (a /Filter entry); other
// elements of an array are passed as "" so the caller sees them. Returns how many it passed.
template <typename Each> size_t forEachPdfName(const PdfValue& value, Each&& each) noexcept {
    if (value.kind == PdfValueKind::Name) {
        each(value.text);
        return 1;
    }
    if (value.kind != PdfValueKind::Array) return 0;
    size_t n = 0;
    size_t pos = 1; // past '['
    while (auto v = lexPdfValue(value.text, pos)) {
        if (v->value.kind == PdfValueKind::Keyword && v->value.text == "]") break;
        each(v->value.kind == PdfValueKind::Name ? v->value.text : std::string_view{});
        ++n;
        pos = v->end;
    }
    return n;
}

} // namespace egressmon::dpi
