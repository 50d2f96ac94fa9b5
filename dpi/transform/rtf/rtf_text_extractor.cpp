#include "dpi/transform/rtf/rtf_text_extractor.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "dpi/decode/mime/mime_charset.h"

namespace egressmon::dpi {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD"; // U+FFFD

// How the bytes of a code page group into characters, for converting a run in pieces without
// cutting one.
enum class ByteGrouping : uint8_t { Single, DoubleByte, Gb18030, Utf8 };

struct CodePage {
    const char* label; // for appendCharsetAsUtf8; "" for a code page it does not convert
    ByteGrouping grouping;
};

// The code pages Windows writes in \ansicpg that mime_charset.h converts. The others keep their
// ASCII and give U+FFFD for 8-bit bytes (\uN, which Word writes beside every non-ASCII
// character, still carries their text).
CodePage convertedCodePage(uint32_t number) noexcept {
    switch (number) {
    case 936:   // GBK, read as its superset
    case 54936: // GB18030
    case 20936: return {"gb18030", ByteGrouping::Gb18030};
    case 950: return {"big5", ByteGrouping::DoubleByte};
    case 1252: return {"cp1252", ByteGrouping::Single};
    case 28591: return {"iso-8859-1", ByteGrouping::Single};
    case 65001: return {"utf-8", ByteGrouping::Utf8};
    default: return {"", ByteGrouping::Single};
    }
}

// The length of the longest prefix of `bytes` that ends on a character boundary.
size_t completePrefix(std::string_view bytes, ByteGrouping grouping) noexcept {
    if (grouping == ByteGrouping::Single) return bytes.size();
    size_t i = 0;
    while (i < bytes.size()) {
        const auto b = static_cast<uint8_t>(bytes[i]);
        size_t n = 1;
        if (grouping == ByteGrouping::Utf8) {
            n = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 1;
            if (b > 0xF4) n = 1;
        } else if (b >= 0x81 && b <= 0xFE) {
            n = 2;
            // GB18030 four-byte sequences: a digit second byte.
            if (grouping == ByteGrouping::Gb18030 && i + 1 < bytes.size()) {
                const auto second = static_cast<uint8_t>(bytes[i + 1]);
                if (second >= 0x30 && second <= 0x39) n = 4;
            }
        }
        if (i + n > bytes.size()) break;
        i += n;
    }
    return i;
}

bool isLetter(uint8_t c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isDigit(uint8_t c) noexcept {
    return c >= '0' && c <= '9';
}
int hexValue(uint8_t c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Destinations whose content is not the document's text. (`{\*\...}` ones are skipped by the
// `\*` before them.)
bool isSkippedDestination(std::string_view word) noexcept {
    static constexpr std::string_view kSkipped[] = {
        "fonttbl",
        "colortbl",
        "stylesheet",
        "listtable",
        "listoverridetable",
        "revtbl",
        "rsidtbl",
        "pict",
        "object",
        "objdata",
        "fldinst",
        "themedata",
        "datastore",
        "colorschememapping",
        "latentstyles",
        "xmlnstbl",
        "filetbl",
        "nonshppict",
        // List numbering written for older readers: bullets in a symbol font, "1.", a tab.
        "pn",
        "pntext",
        "pntxta",
        "pntxtb",
        "listtext",
        "generator",
        "userprops",
    };
    return std::find(std::begin(kSkipped), std::end(kSkipped), word) != std::end(kSkipped);
}

// The \info fields that hold text a person wrote.
bool isInfoField(std::string_view word) noexcept {
    static constexpr std::string_view kFields[] = {
        "title",    "subject",  "author",   "manager", "company",
        "operator", "category", "keywords", "comment", "doccomm",
    };
    return std::find(std::begin(kFields), std::end(kFields), word) != std::end(kFields);
}

// Control words that stand for text.
std::string_view textOf(std::string_view word) noexcept {
    struct Word {
        std::string_view name;
        std::string_view text;
    };
    static constexpr Word kText[] = {
        {"par", "\n"},
        {"line", "\n"},
        {"sect", "\n"},
        {"page", "\n"},
        {"row", "\n"},
        {"tab", "\t"},
        {"cell", "\t"},
        {"emspace", " "},
        {"enspace", " "},
        {"qmspace", " "},
        {"emdash", "\xE2\x80\x94"},
        {"endash", "\xE2\x80\x93"},
        {"bullet", "\xE2\x80\xA2"},
        {"lquote", "\xE2\x80\x98"},
        {"rquote", "\xE2\x80\x99"},
        {"ldblquote", "\xE2\x80\x9C"},
        {"rdblquote", "\xE2\x80\x9D"},
    };
    for (const Word& w : kText)
        if (w.name == word) return w.text;
    return {};
}

} // namespace

void RtfTextExtractor::feed(const uint8_t* data, size_t len, std::string& out) noexcept {
    try {
        size_t i = 0;
        while (i < len && state_ != State::Done) {
            if (state_ == State::Binary) { // skipped in bulk
                const size_t n = static_cast<size_t>(std::min<uint64_t>(binary_left_, len - i));
                binary_left_ -= n;
                i += n;
                if (binary_left_ == 0) state_ = State::Text;
                continue;
            }
            byte(data[i++], out);
        }
    } catch (const std::bad_alloc&) {
        stop(RtfStop::NoMemory);
    }
}

void RtfTextExtractor::gap(std::string& out) noexcept {
    if (state_ == State::Done) return; // stopped already, or a hole after the document's end
    finish(out);                       // what came before the hole is real text
    stop(RtfStop::Gap);
}

void RtfTextExtractor::finish(std::string& out) noexcept {
    if (stop_ == RtfStop::NoMemory) return;
    try {
        flushRun(true, out);
        flushSurrogate(out);
    } catch (const std::bad_alloc&) {
        stop(RtfStop::NoMemory);
    }
}

void RtfTextExtractor::stop(RtfStop why) noexcept {
    stop_ = why;
    state_ = State::Done;
}

void RtfTextExtractor::byte(uint8_t c, std::string& out) {
    switch (state_) {
    case State::Text:
        if (c == '\\') {
            state_ = State::Backslash;
        } else if (c == '{') {
            openGroup(out);
        } else if (c == '}') {
            closeGroup(out);
        } else if (c >= 0x20 || c == '\t') { // CR and LF are layout of the file, not text
            textByte(c, out);
        }
        return;
    case State::Backslash:
        if (isLetter(c)) {
            word_[0] = static_cast<char>(c);
            word_len_ = 1;
            word_cut_ = false;
            negative_ = false;
            digits_ = 0;
            parameter_ = 0;
            state_ = State::Word;
        } else if (c == '\'') {
            state_ = State::Hex1;
        } else {
            state_ = State::Text;
            controlSymbol(c, out);
        }
        return;
    case State::Word:
    case State::Parameter:
        if (state_ == State::Word && isLetter(c)) {
            if (word_len_ < kMaxControlWord) {
                word_[word_len_++] = static_cast<char>(c);
            } else {
                word_cut_ = true;
            }
            return;
        }
        if (state_ == State::Word && c == '-') {
            negative_ = true;
            state_ = State::Parameter;
            return;
        }
        if (isDigit(c)) {
            state_ = State::Parameter;
            if (digits_ < kMaxParameterDigits) {
                parameter_ = parameter_ * 10 + (c - '0');
                ++digits_;
            } else {
                word_cut_ = true;
            }
            return;
        }
        state_ = State::Text;
        controlWord(out);
        // One space delimits the control word; anything else is the next token (or, after
        // \bin, the first byte skipped).
        if (c == ' ') return;
        if (state_ == State::Binary) {
            if (--binary_left_ == 0) state_ = State::Text;
            return;
        }
        if (state_ != State::Done) byte(c, out);
        return;
    case State::Hex1:
    case State::Hex2: {
        const int v = hexValue(c);
        if (v < 0) { // not an escape after all: the byte is read as itself
            state_ = State::Text;
            byte(c, out);
            return;
        }
        if (state_ == State::Hex1) {
            hex_ = static_cast<uint8_t>(v);
            state_ = State::Hex2;
            return;
        }
        state_ = State::Text;
        if (skipping() || skipFallback()) return;
        codePageByte(static_cast<uint8_t>(hex_ << 4 | v), out);
        return;
    }
    case State::Binary:
    case State::Done: return; // feed() handles both
    }
}

void RtfTextExtractor::textByte(uint8_t c, std::string& out) {
    if (skipping() || skipFallback()) return;
    textChar(c, out);
}

void RtfTextExtractor::textChar(uint8_t c, std::string& out) {
    if (c >= 0x80 || run_len_ > 0) { // an ASCII byte may be a double-byte character's second
        codePageByte(c, out);
    } else {
        const char ch = static_cast<char>(c);
        emit({&ch, 1}, out);
    }
}

void RtfTextExtractor::openGroup(std::string& out) {
    fallback_left_ = 0; // a group ends the fallback of a \uN
    if (groups_.size() >= limits_.max_depth) {
        flushRun(true, out); // the text before is real
        flushSurrogate(out);
        stop(RtfStop::Depth);
        return;
    }
    Group g{1, 0};
    if (!groups_.empty()) {
        g.uc = groups_.back().uc;
        g.flags = groups_.back().flags & kSkip;
    }
    groups_.push_back(g);
}

void RtfTextExtractor::closeGroup(std::string& out) {
    fallback_left_ = 0;
    if (groups_.empty()) return;
    if ((groups_.back().flags & (kInfoField | kSkip)) == kInfoField) emit("\n", out);
    groups_.pop_back();
    if (groups_.empty()) { // the document's end: what follows is not RTF
        flushRun(true, out);
        flushSurrogate(out);
        state_ = State::Done;
    }
}

void RtfTextExtractor::setSkip() noexcept {
    if (!groups_.empty()) groups_.back().flags |= kSkip;
}

bool RtfTextExtractor::skipFallback() noexcept {
    if (fallback_left_ == 0) return false;
    --fallback_left_;
    return true;
}

void RtfTextExtractor::controlSymbol(uint8_t c, std::string& out) {
    if (c == '*') { // an ignorable destination: skipped unless known, and none is
        setSkip();
        return;
    }
    if (skipping() || skipFallback()) return;
    switch (c) {
    case '\\':
    case '{':
    case '}': textChar(c, out); return;
    case '~': emit("\xC2\xA0", out); return;     // non-breaking space
    case '_': emit("\xE2\x80\x91", out); return; // non-breaking hyphen
    case '\r':
    case '\n': emit("\n", out); return; // same as \par
    default: return;                    // \- optional hyphen, \: \| index marks...
    }
}

void RtfTextExtractor::controlWord(std::string& out) {
    if (word_cut_) ++counts_.long_control_words;
    const std::string_view word(word_.data(), word_len_);
    const bool has_parameter = digits_ > 0;
    const int64_t value = negative_ ? -parameter_ : parameter_;
    if (word == "bin") { // its bytes are skipped wherever it is, even as a fallback character
        skipFallback();
        if (has_parameter && value > 0) {
            binary_left_ = static_cast<uint64_t>(value);
            counts_.binary_bytes += binary_left_;
            state_ = State::Binary;
        }
        return;
    }
    if (skipFallback()) return; // a control word is one fallback character
    if (word == "uc") {
        if (!groups_.empty())
            groups_.back().uc = static_cast<uint8_t>(std::clamp<int64_t>(value, 0, 255));
        return;
    }
    if (skipping()) return;
    if (word == "u") {
        unicode(value, out);
        fallback_left_ = groups_.empty() ? 1 : groups_.back().uc;
    } else if (word == "ansicpg") {
        flushRun(true, out);
        code_page_ = has_parameter && value > 0 ? static_cast<uint32_t>(value) : 1252;
    } else if (word == "pc") {
        flushRun(true, out);
        code_page_ = 437;
    } else if (word == "pca") {
        flushRun(true, out);
        code_page_ = 850;
    } else if (word == "mac") {
        flushRun(true, out);
        code_page_ = 10000;
    } else if (isSkippedDestination(word)) {
        if (word == "object" || word == "objdata") ++counts_.embedded_objects;
        setSkip();
    } else if (isInfoField(word)) {
        if (!groups_.empty()) groups_.back().flags |= kInfoField;
    } else if (const std::string_view text = textOf(word); !text.empty()) {
        emit(text, out);
    }
}

void RtfTextExtractor::codePageByte(uint8_t c, std::string& out) {
    flushSurrogate(out); // a high surrogate and then a byte: it was alone
    if (run_len_ == run_.size()) flushRun(false, out);
    if (run_len_ == run_.size()) flushRun(true, out); // nothing complete in it: it is garbage
    run_[run_len_++] = static_cast<char>(c);
}

void RtfTextExtractor::flushRun(bool all, std::string& out) {
    if (run_len_ == 0) return;
    const CodePage page = convertedCodePage(code_page_);
    const std::string_view held(run_.data(), run_len_);
    const size_t n = all ? run_len_ : completePrefix(held, page.grouping);
    if (n == 0) return;
    appendCharsetAsUtf8(page.label, held.substr(0, n), out);
    std::memmove(run_.data(), run_.data() + n, run_len_ - n);
    run_len_ -= n;
}

void RtfTextExtractor::flushSurrogate(std::string& out) {
    if (high_surrogate_ == 0) return;
    high_surrogate_ = 0;
    out += kReplacement;
}

void RtfTextExtractor::emit(std::string_view utf8, std::string& out) {
    flushRun(true, out);
    flushSurrogate(out);
    out += utf8;
}

void RtfTextExtractor::unicode(int64_t value, std::string& out) {
    if (value < 0) value += 65536; // RTF writes code units above 32767 as negative numbers
    if (value <= 0 || value > 0xFFFF) {
        if (value != 0) emit(kReplacement, out);
        return;
    }
    const auto unit = static_cast<uint32_t>(value);
    if (unit >= 0xD800 && unit < 0xDC00) {
        emit({}, out); // what came before, and a high surrogate before this one, go out first
        high_surrogate_ = static_cast<uint16_t>(unit);
        return;
    }
    if (unit >= 0xDC00 && unit < 0xE000) {
        if (high_surrogate_ == 0) {
            emit(kReplacement, out);
            return;
        }
        const uint32_t cp = 0x10000 + ((high_surrogate_ - 0xD800u) << 10) + (unit - 0xDC00u);
        high_surrogate_ = 0;
        emitCodePoint(cp, out);
        return;
    }
    emitCodePoint(unit, out);
}

void RtfTextExtractor::emitCodePoint(uint32_t cp, std::string& out) {
    char buf[4];
    size_t n = 0;
    if (cp < 0x80) {
        buf[n++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
        buf[n++] = static_cast<char>(0xC0 | (cp >> 6));
        buf[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        buf[n++] = static_cast<char>(0xE0 | (cp >> 12));
        buf[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        buf[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        buf[n++] = static_cast<char>(0xF0 | (cp >> 18));
        buf[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        buf[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        buf[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    }
    emit({buf, n}, out);
}

} // namespace egressmon::dpi
