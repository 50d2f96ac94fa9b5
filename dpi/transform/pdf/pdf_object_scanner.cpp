#include "dpi/transform/pdf/pdf_object_scanner.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <new>

#include "dpi/transform/pdf/pdf_dictionary.h"

namespace egressmon::dpi {

namespace {

constexpr std::string_view kEndStream = "endstream";
constexpr size_t kMaxCarry = kEndStream.size() - 1;

// The longest end of buf[0, n) that begins "endstream" (a match the next bytes may complete).
size_t carryOf(const char* buf, size_t n) noexcept {
    for (size_t m = std::min(kMaxCarry, n); m > 0; --m)
        if (std::memcmp(buf + n - m, kEndStream.data(), m) == 0) return m;
    return 0;
}

size_t findEndStream(const char* buf, size_t n) noexcept {
    return std::string_view(buf, n).find(kEndStream);
}

bool tokenStartsAt(std::string_view s, size_t pos) noexcept {
    return pos == 0 || isPdfDelimiterOrSpace(static_cast<unsigned char>(s[pos - 1]));
}

enum class Found : uint8_t { No, Yes, NeedMore };

// The first occurrence of keyword `kw` from `from` that stands as a token. NeedMore when one
// ends the text and the byte after it is needed to tell (then `at` is where it starts).
// `stream` wants an end of line after it (ISO 32000-1 §7.3.8.1); the others any delimiter.
Found findKeyword(std::string_view s, size_t from, std::string_view kw, bool eol_after,
                  size_t& at) noexcept {
    for (size_t pos = s.find(kw, from); pos != std::string_view::npos; pos = s.find(kw, pos + 1)) {
        if (!tokenStartsAt(s, pos)) continue;
        const size_t next = pos + kw.size();
        at = pos;
        if (next == s.size()) return Found::NeedMore;
        const auto c = static_cast<unsigned char>(s[next]);
        if (eol_after ? (c == '\r' || c == '\n') : isPdfDelimiterOrSpace(c)) return Found::Yes;
    }
    return Found::No;
}

// The number written just before `end` in `s` (after optional whitespace), and where it
// starts; nullopt when there is none.
std::optional<std::pair<uint32_t, size_t>> numberBefore(std::string_view s, size_t end) noexcept {
    while (end > 0 && isPdfDelimiterOrSpace(static_cast<unsigned char>(s[end - 1])) &&
           s[end - 1] != '/' && s[end - 1] != '>' && s[end - 1] != ')' && s[end - 1] != ']')
        --end;
    size_t start = end;
    while (start > 0 && s[start - 1] >= '0' && s[start - 1] <= '9' && end - start < 10)
        --start;
    if (start == end) return std::nullopt;
    uint32_t n = 0;
    std::from_chars(s.data() + start, s.data() + end, n);
    return std::make_pair(n, start);
}

} // namespace

PdfObjectScanner::PdfObjectScanner(size_t max_body_bytes) noexcept
    : max_body_(std::max<size_t>(max_body_bytes, 256)) {}

void PdfObjectScanner::feed(const uint8_t* data, size_t len, PdfScanEvents& events) noexcept {
    while (len > 0) {
        const size_t used = state_ == State::Outside ? feedOutside(data, len, events)
                                                     : feedStream(data, len, events);
        data += used;
        len -= used;
    }
}

size_t PdfObjectScanner::feedOutside(const uint8_t* data, size_t len,
                                     PdfScanEvents& events) noexcept {
    // Pieces of at most half the bound, so the text kept after a cut is never less than that.
    const size_t piece = std::min(len, max_body_ / 2);
    try {
        body_.append(reinterpret_cast<const char*>(data), piece);
    } catch (const std::bad_alloc&) {
        body_.clear();
        scan_from_ = 0;
        body_cut_ = true;
        ++bodies_cut_;
        return piece;
    }
    const size_t stream_at = handleKeywords(events);
    if (stream_at != std::string::npos) {
        // Everything after "stream" came from this piece (an earlier keyword would have been
        // found before), and is the stream's.
        const size_t tail = body_.size() - stream_at;
        body_.clear();
        scan_from_ = 0;
        body_cut_ = false;
        state_ = State::StreamStart;
        matched_ = 0;
        return piece - tail;
    }
    if (body_.size() > max_body_) { // keep the last half: a trailer or a header may be there
        const size_t drop = body_.size() - max_body_ / 2;
        body_.erase(0, drop);
        scan_from_ = scan_from_ > drop ? scan_from_ - drop : 0;
        body_cut_ = true;
        ++bodies_cut_;
    }
    return piece;
}

size_t PdfObjectScanner::handleKeywords(PdfScanEvents& events) noexcept {
    for (;;) {
        const std::string_view text = body_;
        size_t stream_at = 0, endobj_at = 0, xref_at = 0;
        const Found stream = findKeyword(text, scan_from_, "stream", true, stream_at);
        const Found endobj = findKeyword(text, scan_from_, "endobj", false, endobj_at);
        const Found xref = findKeyword(text, scan_from_, "startxref", false, xref_at);
        // The first keyword found decides; one that needs more bytes stops the search there.
        size_t first = std::string::npos;
        Found which = Found::No;
        int kind = -1;
        const auto consider = [&](Found f, size_t at, int k) {
            if (f != Found::No && at < first) first = at, which = f, kind = k;
        };
        consider(stream, stream_at, 0);
        consider(endobj, endobj_at, 1);
        consider(xref, xref_at, 2);
        if (which == Found::No) {
            scan_from_ = text.size() > kMaxCarry ? text.size() - kMaxCarry : 0;
            return std::string::npos;
        }
        if (which == Found::NeedMore) {
            scan_from_ = first;
            return std::string::npos;
        }
        if (kind == 0) {
            objectText(text.substr(0, first), true, events);
            return first + 6;
        }
        if (kind == 1) {
            objectText(text.substr(0, first), false, events);
            body_.erase(0, first + 6);
        } else {
            const std::string_view section = text.substr(0, first);
            const size_t t = section.rfind("trailer");
            if (t != std::string_view::npos) events.trailer(section.substr(t + 7));
            body_.erase(0, first + 9);
        }
        scan_from_ = 0;
        body_cut_ = false;
    }
}

void PdfObjectScanner::objectText(std::string_view text, bool has_stream,
                                  PdfScanEvents& events) noexcept {
    // The last "obj" token with "num gen" before it: text before it is whatever came between
    // objects (an xref table, comments, garbage).
    for (size_t pos = text.rfind("obj"); pos != std::string_view::npos;
         pos = pos == 0 ? std::string_view::npos : text.rfind("obj", pos - 1)) {
        const size_t after = pos + 3;
        if (!tokenStartsAt(text, pos) ||
            (after < text.size() &&
             !isPdfDelimiterOrSpace(static_cast<unsigned char>(text[after]))))
            continue;
        const auto gen = numberBefore(text, pos);
        if (!gen) continue;
        const auto num = numberBefore(text, gen->second);
        if (!num) continue;
        events.object(num->first, text.substr(after), has_stream);
        return;
    }
    // No header: lost to a cut or a hole. A stream still has to be told, so its data is read
    // past; text alone is nothing to anyone.
    if (has_stream) events.object(0, text, true);
}

size_t PdfObjectScanner::feedStream(const uint8_t* data, size_t len,
                                    PdfScanEvents& events) noexcept {
    if (state_ == State::StreamStart) {
        // "stream" is followed by CRLF or LF (a lone CR is tolerated, as readers do).
        if (data[0] == '\r' && !after_cr_) {
            after_cr_ = true;
            return 1;
        }
        state_ = State::StreamData;
        const bool lf = data[0] == '\n';
        after_cr_ = false;
        if (lf) return 1;
    }
    const auto pass = [&](const char* p, size_t n) {
        if (n > 0 && !stream_broken_) events.streamData(reinterpret_cast<const uint8_t*>(p), n);
    };
    const auto end = [&](size_t used) {
        events.streamEnd(stream_broken_, true);
        stream_broken_ = false;
        state_ = State::Outside;
        matched_ = 0;
        return used;
    };
    const char* bytes = reinterpret_cast<const char*>(data);
    if (matched_ > 0) {
        // The start of "endstream" held from the last piece, and the first bytes of this one.
        char joined[kMaxCarry + 16];
        const size_t held = matched_, take = std::min<size_t>(len, 16);
        std::memcpy(joined, kEndStream.data(), held);
        std::memcpy(joined + held, bytes, take);
        matched_ = 0;
        const size_t at = findEndStream(joined, held + take);
        if (at != std::string_view::npos) {
            pass(joined, at);
            return end(at + kEndStream.size() - held);
        }
        if (take == len) { // all of this piece is in `joined`
            const size_t carry = carryOf(joined, held + take);
            pass(joined, held + take - carry);
            matched_ = static_cast<uint8_t>(carry);
            return len;
        }
        // A match starting in the held bytes would have ended inside `joined`: they are data.
        pass(joined, held);
    }
    const size_t at = findEndStream(bytes, len);
    if (at != std::string_view::npos) {
        pass(bytes, at);
        return end(at + kEndStream.size());
    }
    const size_t carry = carryOf(bytes, len);
    pass(bytes, len - carry);
    matched_ = static_cast<uint8_t>(carry);
    return len;
}

void PdfObjectScanner::gap(PdfScanEvents& /*events*/) noexcept {
    if (state_ == State::Outside) {
        body_.clear();
        scan_from_ = 0;
        body_cut_ = true;
        return;
    }
    // The stream's bytes cannot be decoded past a hole; its end is still found.
    stream_broken_ = true;
    matched_ = 0;
    if (state_ == State::StreamStart) state_ = State::StreamData, after_cr_ = false;
}

void PdfObjectScanner::finish(PdfScanEvents& events) noexcept {
    if (state_ != State::Outside) {
        if (matched_ > 0) {
            const bool broken = stream_broken_;
            if (!broken)
                events.streamData(reinterpret_cast<const uint8_t*>(kEndStream.data()), matched_);
        }
        events.streamEnd(stream_broken_, false);
    }
    state_ = State::Outside;
    stream_broken_ = false;
    matched_ = 0;
    after_cr_ = false;
    body_.clear();
    scan_from_ = 0;
}

} // namespace egressmon::dpi
