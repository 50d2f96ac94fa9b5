#pragma once
// The text of an RTF document, pushed through in pieces of any size: a tokenizer over control
// words (`\name` with an optional signed parameter and one delimiting space), control symbols
// (`\'hh`, `\~`, `\{`...), groups and plain text, writing what a reader would see as UTF-8.
//
//   - `\ansicpg N` chooses the code page of the 8-bit bytes: `\'hh` escapes and raw bytes >= 0x80
//     are gathered in a run and converted together (mime_charset.h, glibc iconv), so the two
//     bytes of a GBK character given as two `\'hh` join wherever the input was cut.
//   - `\uN` is a UTF-16 code unit (negative N + 65536; surrogate pairs joined), followed by
//     `\ucN` fallback characters (default 1) that are skipped.
//   - `\par`, `\line`, `\sect`, `\page`, `\row` end a line; `\tab` and `\cell` are tabs.
//   - Destinations that are not text are skipped: `{\*\...}`, font, colour and style tables,
//     pictures, embedded objects (counted), field instructions. `\info` is kept (title, author,
//     subject, keywords: a marking in a document's title is as much a leak as one in its body),
//     one line per field. `\bin N` skips N raw bytes, wherever it is.
//
// The output is the same however the input is cut (the state carries every partial token), and
// always valid UTF-8. Bounds: group nesting (RtfLimits::max_depth: past it the text ends,
// stopped() says why), control word names (32 letters; longer ones are cut and counted) and
// parameters (10 digits). A hole ends the text: nothing in RTF says where the next token starts.
//
// Thread: the worker owning the layer. Memory: a 256-byte code page run, and 2 bytes per open
// group. noexcept; an allocation failure ends the text (RtfStop::NoMemory).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace egressmon::dpi {

struct RtfLimits {
    // Groups open at once. Word writes a few tens at most (tables inside fields inside shapes);
    // each level costs 2 bytes, so the default leaves ample room and stays tiny.
    uint32_t max_depth = 256;
};

enum class RtfStop : uint8_t {
    None,     // still reading (or ended normally)
    Depth,    // more than max_depth groups open
    Gap,      // a hole in the input
    NoMemory, // the output or the group stack could not grow
};

class RtfTextExtractor {
  public:
    static constexpr size_t kMaxControlWord = 32; // letters kept of a control word's name
    static constexpr size_t kMaxParameterDigits = 10;
    static constexpr size_t kRunBytes = 256; // code page bytes converted together

    struct Counts {
        uint64_t embedded_objects = 0;   // \object groups (and \objdata outside one) skipped
        uint64_t long_control_words = 0; // names or parameters cut at their bound
        uint64_t binary_bytes = 0;       // bytes skipped by \bin N
    };

    explicit RtfTextExtractor(const RtfLimits& limits) noexcept : limits_(limits) {}

    // The next bytes; the text they complete is appended to `out`.
    void feed(const uint8_t* data, size_t len, std::string& out) noexcept;
    // Bytes were lost: the text held so far is appended and the text ends (RtfStop::Gap).
    void gap(std::string& out) noexcept;
    // The input is complete: held bytes are converted and appended.
    void finish(std::string& out) noexcept;

    RtfStop stopped() const noexcept { return stop_; }
    const Counts& counts() const noexcept { return counts_; }
    // The code page `\ansicpg` chose (1252 until one does).
    uint32_t codePage() const noexcept { return code_page_; }

  private:
    enum class State : uint8_t {
        Text,      // plain text, or between tokens
        Backslash, // after '\'
        Word,      // letters of a control word's name
        Parameter, // its digits (after an optional '-')
        Hex1,      // \' and its first digit to come
        Hex2,      // its second
        Binary,    // bytes skipped by \bin
        Done,      // the document's outer group closed, or stopped
    };
    // One per open group: what it restores when it closes.
    struct Group {
        uint8_t uc;    // \ucN in force
        uint8_t flags; // kSkip, kInfoField
    };
    static constexpr uint8_t kSkip = 1;      // a destination whose content is not text
    static constexpr uint8_t kInfoField = 2; // an \info field: a line ends with it

    void byte(uint8_t c, std::string& out);
    void textByte(uint8_t c, std::string& out); // plain text, unless skipped
    void textChar(uint8_t c, std::string& out); // a character of the text
    void openGroup(std::string& out);
    void closeGroup(std::string& out);
    void controlWord(std::string& out);
    void controlSymbol(uint8_t c, std::string& out);
    void codePageByte(uint8_t c, std::string& out);
    void unicode(int64_t value, std::string& out);
    void emit(std::string_view utf8, std::string& out);
    void emitCodePoint(uint32_t cp, std::string& out);
    void flushRun(bool all, std::string& out);
    void flushSurrogate(std::string& out);
    // A character read where \uN fallback may still be skipping: true when it is skipped.
    bool skipFallback() noexcept;
    bool skipping() const noexcept { return !groups_.empty() && (groups_.back().flags & kSkip); }
    void setSkip() noexcept;
    void stop(RtfStop why) noexcept;

    RtfLimits limits_;
    RtfStop stop_ = RtfStop::None;
    State state_ = State::Text;
    Counts counts_;
    std::vector<Group> groups_;
    uint32_t code_page_ = 1252;
    uint8_t fallback_left_ = 0; // \uN fallback characters still to skip
    uint16_t high_surrogate_ = 0;
    uint64_t binary_left_ = 0;
    // The control word being read.
    std::array<char, kMaxControlWord> word_{};
    uint8_t word_len_ = 0;
    bool word_cut_ = false;
    bool negative_ = false;
    uint8_t digits_ = 0;
    int64_t parameter_ = 0;
    uint8_t hex_ = 0; // \'h: the first digit's value
    // Code page bytes not converted yet.
    std::array<char, kRunBytes> run_{};
    size_t run_len_ = 0;
};

} // namespace egressmon::dpi
