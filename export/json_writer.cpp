#include "json_writer.h"

#include <charconv>
#include <cmath>
#include <ctime>

namespace egressmon::exporting {

JsonWriter& JsonWriter::open(char c) {
    separate();
    out_.push_back(c);
    need_comma_ = false;
    return *this;
}

JsonWriter& JsonWriter::close(char c) {
    out_.push_back(c);
    need_comma_ = true;
    return *this;
}

void JsonWriter::separate() {
    if (need_comma_) out_.push_back(',');
}

JsonWriter& JsonWriter::key(std::string_view k) {
    separate();
    appendEscaped(out_, k);
    out_.push_back(':');
    need_comma_ = false;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
    separate();
    appendEscaped(out_, s);
    need_comma_ = true;
    return *this;
}

template <class Int> JsonWriter& JsonWriter::integer(Int v) {
    separate();
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, end);
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(uint64_t v) {
    return integer(v);
}
JsonWriter& JsonWriter::value(int64_t v) {
    return integer(v);
}

JsonWriter& JsonWriter::value(double v) {
    separate();
    if (!std::isfinite(v)) v = 0; // JSON has no NaN/Inf
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 6);
    // Past about 1e24 six decimals do not fit: the shortest form ("1e+25") is JSON too.
    if (ec != std::errc{}) end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    out_.append(buf, end);
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(bool b) {
    separate();
    out_.append(b ? "true" : "false");
    need_comma_ = true;
    return *this;
}

size_t utf8SequenceLength(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    size_t len;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (i + len > s.size()) return 0;
    for (size_t k = 1; k < len; ++k) {
        if ((b(i + k) & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3f);
    }
    // Reject overlong forms, surrogates and code points past U+10FFFF.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void JsonWriter::appendEscaped(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const size_t len = utf8SequenceLength(s, i);
            if (len == 0) {
                out.append("\\ufffd");
                ++i;
            } else {
                out.append(s.substr(i, len));
                i += len;
            }
            continue;
        }
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out.append("\\u00");
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 0xf]);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
        ++i;
    }
    out.push_back('"');
}

std::string formatEveTimestamp(uint64_t ts_us) {
    // EVE (and its schema) want a four-digit year; nothing sane is later than 9999.
    constexpr uint64_t kLastUs = 253402300799ull * 1'000'000 + 999'999;
    if (ts_us > kLastUs) ts_us = kLastUs;
    const time_t secs = static_cast<time_t>(ts_us / 1'000'000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[48];
    const size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%06u+0000", static_cast<unsigned>(ts_us % 1'000'000));
    return buf;
}

} // namespace egressmon::exporting
