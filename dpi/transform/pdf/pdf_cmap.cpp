#include "dpi/transform/pdf/pdf_cmap.h"

#include <algorithm>
#include <limits>
#include <new>
#include <tuple>

#include "dpi/transform/pdf/pdf_content_lexer.h"

namespace egressmon::dpi {

using pdf_content::isHighSurrogate;
using pdf_content::Lexer;
using pdf_content::Token;
using pdf_content::TokenKind;

namespace {

bool isString(const Token& t) noexcept {
    return t.kind == TokenKind::HexString || t.kind == TokenKind::LiteralString;
}

} // namespace

// Reads the program's sections token by token: a section's operands are gathered two (codespace,
// bfchar) or three (bfrange) at a time; any keyword ends the section it is in.
class PdfCMap::Parser {
  public:
    Parser(PdfCMap& cmap, std::string_view program, uint32_t max_mappings) noexcept
        : cmap_(cmap), lexer_(program), max_mappings_(max_mappings) {}

    void run() { // throws std::bad_alloc
        for (Token t = lexer_.next(); t.kind != TokenKind::End; t = lexer_.next()) {
            if (t.kind == TokenKind::Keyword) {
                section(t.text);
            } else if (t.kind == TokenKind::ArrayOpen) {
                if (section_ == Section::BfRange && count_ == 2) arrayRange();
                count_ = 0;
            } else if (section_ != Section::None && (isString(t) || t.kind == TokenKind::Name)) {
                operand(t);
            }
        }
    }

  private:
    enum class Section : uint8_t { None, Codespace, BfChar, BfRange };

    void section(std::string_view keyword) noexcept {
        count_ = 0;
        if (keyword == "begincodespacerange")
            section_ = Section::Codespace;
        else if (keyword == "beginbfchar")
            section_ = Section::BfChar;
        else if (keyword == "beginbfrange")
            section_ = Section::BfRange;
        else
            section_ = Section::None;
    }

    void operand(const Token& t) {
        operands_[count_++] = t;
        if (section_ == Section::Codespace && count_ == 2) {
            codespace();
            count_ = 0;
        } else if (section_ == Section::BfChar && count_ == 2) {
            bfchar();
            count_ = 0;
        } else if (section_ == Section::BfRange && count_ == 3) {
            bfrange();
            count_ = 0;
        }
    }

    // A code of 1 to 4 bytes from a string operand.
    bool code(const Token& t, uint32_t& value, uint8_t& length) {
        if (!isString(t)) return false;
        scratch_.clear();
        pdf_content::appendStringBytes(t, scratch_);
        if (scratch_.empty() || scratch_.size() > 4) return false;
        value = 0;
        for (const char c : scratch_)
            value = value << 8 | static_cast<uint8_t>(c);
        length = static_cast<uint8_t>(scratch_.size());
        return true;
    }

    void codespace() {
        if (!isString(operands_[0]) || !isString(operands_[1])) return;
        std::string lo, hi;
        pdf_content::appendStringBytes(operands_[0], lo);
        pdf_content::appendStringBytes(operands_[1], hi);
        if (lo.empty() || lo.size() > 4 || lo.size() != hi.size()) return;
        if (cmap_.codespaces_.size() >= kMaxCodespaceRanges) return;
        Codespace range{};
        range.length = static_cast<uint8_t>(lo.size());
        for (size_t i = 0; i < lo.size(); ++i) {
            range.lo[i] = static_cast<uint8_t>(lo[i]);
            range.hi[i] = static_cast<uint8_t>(hi[i]);
        }
        cmap_.codespaces_.push_back(range);
    }

    void bfchar() {
        uint32_t value = 0;
        uint8_t length = 0;
        if (!code(operands_[0], value, length) || !isString(operands_[1])) return;
        if (!admit()) return;
        const Destination dst = destination(operands_[1]);
        cmap_.chars_.push_back({value, order_++, dst, length});
        cmap_.mapped_lengths_ |= static_cast<uint8_t>(1u << (length - 1));
    }

    // <lo> <hi>, read before a range's destination: false when they are not a range.
    bool range(uint32_t& lo, uint32_t& hi, uint8_t& length) {
        uint8_t hi_length = 0;
        return code(operands_[0], lo, length) && code(operands_[1], hi, hi_length) &&
               hi_length == length && lo <= hi;
    }

    void bfrange() {
        RangeMapping r{};
        if (!range(r.lo, r.hi, r.length) || !isString(operands_[2])) return;
        if (!admit()) return;
        r.dst = destination(operands_[2]);
        r.order = order_++;
        cmap_.ranges_.push_back(r);
        cmap_.mapped_lengths_ |= static_cast<uint8_t>(1u << (r.length - 1));
    }

    // <lo> <hi> [<d0> <d1> ...]: one destination per code. The array ends at ']', or before a
    // keyword (a broken array must not swallow the sections after it).
    void arrayRange() {
        RangeMapping r{};
        const bool valid = range(r.lo, r.hi, r.length) && admit();
        r.array = true;
        r.array_first = static_cast<uint32_t>(cmap_.array_dsts_.size());
        const uint64_t codes = uint64_t{r.hi} - r.lo + 1;
        for (;;) {
            const size_t before = lexer_.position();
            const Token t = lexer_.next();
            if (t.kind == TokenKind::End || t.kind == TokenKind::ArrayClose) break;
            if (t.kind == TokenKind::Keyword) {
                lexer_.seek(before);
                break;
            }
            if (!valid || r.array_count >= codes) continue;
            // A name or anything else keeps its place with no text.
            cmap_.array_dsts_.push_back(isString(t) ? destination(t) : Destination{});
            ++r.array_count;
        }
        if (!valid) return;
        r.order = order_++;
        cmap_.ranges_.push_back(r);
        cmap_.mapped_lengths_ |= static_cast<uint8_t>(1u << (r.length - 1));
    }

    // Counts a mapping against max_mappings: false (and counted as dropped) past it.
    bool admit() noexcept {
        if (cmap_.chars_.size() + cmap_.ranges_.size() < max_mappings_) return true;
        if (cmap_.dropped_ < std::numeric_limits<uint32_t>::max()) ++cmap_.dropped_;
        return false;
    }

    // A UTF-16BE destination into the unit pool, cut at kMaxDestinationUnits (never between the
    // two halves of a pair). An odd last byte stands for a unit of its own: some producers write
    // one-byte destinations for ASCII.
    Destination destination(const Token& t) {
        scratch_.clear();
        pdf_content::appendStringBytes(t, scratch_);
        std::vector<uint16_t>& units = cmap_.units_;
        if (units.size() >= std::numeric_limits<uint32_t>::max() - kMaxDestinationUnits) return {};
        Destination dst{static_cast<uint32_t>(units.size()), 0};
        for (size_t i = 0; i < scratch_.size() && dst.units < kMaxDestinationUnits; i += 2) {
            const auto high = static_cast<uint8_t>(scratch_[i]);
            const bool pair = i + 1 < scratch_.size();
            units.push_back(
                pair ? static_cast<uint16_t>(high << 8 | static_cast<uint8_t>(scratch_[i + 1]))
                     : high);
            ++dst.units;
        }
        const bool cut = scratch_.size() > 2 * size_t{kMaxDestinationUnits};
        if (cut && dst.units > 0 && isHighSurrogate(units.back())) {
            units.pop_back();
            --dst.units;
        }
        return dst;
    }

    PdfCMap& cmap_;
    Lexer lexer_;
    uint32_t max_mappings_;
    Section section_ = Section::None;
    std::array<Token, 3> operands_{};
    size_t count_ = 0;
    uint32_t order_ = 0;
    std::string scratch_;
};

PdfCMap PdfCMap::parse(std::string_view program, uint32_t max_mappings) noexcept {
    PdfCMap cmap;
    try {
        Parser(cmap, program, max_mappings).run();
    } catch (const std::bad_alloc&) { // keep what was parsed: a partial CMap still reads
    }
    cmap.finishParse();
    return cmap;
}

// Sorting in place (std::sort, not stable_sort) so that it cannot fail for memory; the order
// field keeps the program's order among equal keys.
void PdfCMap::finishParse() noexcept {
    std::sort(chars_.begin(), chars_.end(), [](const CharMapping& a, const CharMapping& b) {
        return std::tie(a.length, a.code, a.order) < std::tie(b.length, b.code, b.order);
    });
    // Of each code's definitions, keep the last.
    size_t kept = 0;
    for (size_t i = 0; i < chars_.size(); ++i) {
        const bool last = i + 1 == chars_.size() || chars_[i + 1].length != chars_[i].length ||
                          chars_[i + 1].code != chars_[i].code;
        if (last) chars_[kept++] = chars_[i];
    }
    chars_.resize(kept);
    std::sort(ranges_.begin(), ranges_.end(), [](const RangeMapping& a, const RangeMapping& b) {
        return std::tie(a.length, a.lo, a.order) < std::tie(b.length, b.lo, b.order);
    });
    for (size_t i = 0; i < ranges_.size(); ++i) {
        const bool first = i == 0 || ranges_[i - 1].length != ranges_[i].length;
        ranges_[i].max_hi = first ? ranges_[i].hi : std::max(ranges_[i].hi, ranges_[i - 1].max_hi);
    }
}

bool PdfCMap::find(uint32_t code, uint8_t length, Found& found) const noexcept {
    const auto c = std::lower_bound(chars_.begin(), chars_.end(), std::pair{length, code},
                                    [](const CharMapping& m, const auto& key) {
                                        return std::pair{m.length, m.code} < key;
                                    });
    if (c != chars_.end() && c->length == length && c->code == code) {
        found = {units_.data() + c->dst.offset, c->dst.units, 0};
        return true;
    }
    // The first range starting above the code; the candidates are those before it.
    auto r = std::upper_bound(ranges_.begin(), ranges_.end(), std::pair{length, code},
                              [](const auto& key, const RangeMapping& m) {
                                  return key < std::pair{m.length, m.lo};
                              });
    for (size_t steps = 0; steps < kMaxOverlapSteps && r != ranges_.begin(); ++steps) {
        --r;
        if (r->length != length || r->max_hi < code) break; // none before reaches the code
        if (r->hi < code) continue;
        const uint32_t k = code - r->lo;
        if (!r->array) {
            found = {units_.data() + r->dst.offset, r->dst.units, static_cast<uint16_t>(k)};
            return true;
        }
        if (k < r->array_count) {
            const Destination& d = array_dsts_[r->array_first + k];
            found = {units_.data() + d.offset, d.units, 0};
            return true;
        }
    }
    return false;
}

size_t PdfCMap::codeLength(std::string_view rest) const noexcept {
    const auto byte = [&](size_t i) { return static_cast<uint8_t>(rest[i]); };
    const size_t most = std::min<size_t>(4, rest.size());
    for (size_t length = 1; length <= most; ++length) {
        for (const Codespace& cs : codespaces_) {
            if (cs.length != length) continue;
            bool inside = true;
            for (size_t i = 0; i < length && inside; ++i)
                inside = byte(i) >= cs.lo[i] && byte(i) <= cs.hi[i];
            if (inside) return length;
        }
    }
    // Outside every range: as long as a range its first byte starts, else the shortest range
    // (the reading of a partial match in ISO 32000-1 §9.7.6.3, simplified).
    size_t partial = 0, shortest = 4;
    for (const Codespace& cs : codespaces_) {
        shortest = std::min<size_t>(shortest, cs.length);
        if (byte(0) >= cs.lo[0] && byte(0) <= cs.hi[0] && (partial == 0 || cs.length < partial))
            partial = cs.length;
    }
    return std::min(partial != 0 ? partial : shortest, rest.size());
}

void PdfCMap::appendUtf8(const Found& found, std::string& out) const {
    const auto unit = [&](size_t i) -> uint32_t {
        const uint16_t add = i + 1 == found.count ? found.add : 0;
        return static_cast<uint16_t>(found.units[i] + add);
    };
    pdf_content::appendUtf16Units(found.count, unit, out);
}

void PdfCMap::decode(std::string_view shown, std::string& out) const noexcept {
    const auto value = [](std::string_view bytes) {
        uint32_t v = 0;
        for (const char c : bytes)
            v = v << 8 | static_cast<uint8_t>(c);
        return v;
    };
    try {
        size_t i = 0;
        while (i < shown.size()) {
            const std::string_view rest = shown.substr(i);
            Found found;
            size_t length = 0;
            bool mapped = false;
            if (!codespaces_.empty()) {
                length = codeLength(rest);
                mapped = find(value(rest.substr(0, length)), static_cast<uint8_t>(length), found);
            } else {
                // No codespace: the first length some mapping has a code for, else the shortest
                // mapped length (1 byte for a CMap with no mapping).
                for (uint8_t n = 1; n <= 4 && n <= rest.size() && !mapped; ++n) {
                    if (!(mapped_lengths_ & (1u << (n - 1)))) continue;
                    if (length == 0) length = n;
                    if (find(value(rest.substr(0, n)), n, found)) {
                        mapped = true;
                        length = n;
                    }
                }
                if (length == 0) length = 1;
            }
            if (mapped) appendUtf8(found, out);
            i += length;
        }
    } catch (const std::bad_alloc&) { // the text so far stays
    }
}

size_t PdfCMap::memoryBytes() const noexcept {
    return units_.capacity() * sizeof(uint16_t) + chars_.capacity() * sizeof(CharMapping) +
           ranges_.capacity() * sizeof(RangeMapping) +
           array_dsts_.capacity() * sizeof(Destination) +
           codespaces_.capacity() * sizeof(Codespace);
}

} // namespace egressmon::dpi
