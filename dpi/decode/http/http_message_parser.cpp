#include "dpi/decode/http/http_message_parser.h"

namespace egressmon::dpi {

namespace {

bool isTchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
    }
}

bool isToken(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!isTchar(c)) return false;
    return true;
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool isVersion(std::string_view v) {
    return v.size() == 8 && v.starts_with("HTTP/1.") && v[7] >= '0' && v[7] <= '9';
}

// Splits off the next line (without LF and a CR before it).
std::string_view nextLine(std::string_view& rest) {
    const auto lf = rest.find('\n');
    std::string_view line = rest.substr(0, lf);
    rest = lf == std::string_view::npos ? std::string_view{} : rest.substr(lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

bool parseRequestLine(std::string_view line, HttpHead& h) {
    const auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return false;
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return false;
    h.method = line.substr(0, sp1);
    h.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (!isToken(h.method) || h.target.empty() || !isVersion(line.substr(sp2 + 1))) return false;
    for (unsigned char c : h.target)
        if (c <= 0x20 || c == 0x7f) return false;
    return true;
}

bool parseStatusLine(std::string_view line, HttpHead& h) {
    if (line.size() < 12 || !isVersion(line.substr(0, 8)) || line[8] != ' ') return false;
    int status = 0;
    for (size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') return false;
        status = status * 10 + (line[i] - '0');
    }
    if (line.size() > 12 && line[12] != ' ') return false;
    h.status = status;
    return status >= 100;
}

// Content-Length: a list of identical decimal values ("5, 5") is one value; anything else
// (different values across or within fields, non-digits, overflow) is a desync risk: reject.
bool addContentLength(std::string_view value, HttpHead& h) {
    size_t pos = 0;
    do {
        const auto comma = value.find(',', pos);
        const std::string_view item = trimWhitespace(value.substr(pos, comma - pos));
        if (item.empty() || item.size() > 18) return false;
        uint64_t n = 0;
        for (char c : item) {
            if (c < '0' || c > '9') return false;
            n = n * 10 + static_cast<uint64_t>(c - '0');
        }
        if (h.has_content_length && h.content_length != n) return false;
        h.has_content_length = true;
        h.content_length = n;
        pos = comma == std::string_view::npos ? comma : comma + 1;
    } while (pos != std::string_view::npos);
    return true;
}

void addTransferEncoding(std::string_view value, HttpHead& h) {
    // Codings accumulate over fields; only the last one decides the framing.
    const auto comma = value.rfind(',');
    const std::string_view last =
        trimWhitespace(comma == std::string_view::npos ? value : value.substr(comma + 1));
    h.chunked = equalsNoCase(last, "chunked");
    h.other_transfer = !h.chunked;
}

ContentCoding parseContentEncoding(std::string_view value) {
    const std::string_view v = trimWhitespace(value);
    if (v.empty() || equalsNoCase(v, "identity")) return ContentCoding::Identity;
    if (equalsNoCase(v, "gzip") || equalsNoCase(v, "x-gzip")) return ContentCoding::Gzip;
    if (equalsNoCase(v, "deflate")) return ContentCoding::Deflate;
    return ContentCoding::Unsupported; // br, zstd, stacked codings
}

} // namespace

bool equalsNoCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

std::string_view trimWhitespace(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

ContentKind parseContentType(std::string_view value, std::string_view& boundary) {
    boundary = {};
    const auto semi = value.find(';');
    const std::string_view media = trimWhitespace(value.substr(0, semi));
    if (equalsNoCase(media, "application/x-www-form-urlencoded")) return ContentKind::Form;
    if (!equalsNoCase(media, "multipart/form-data")) return ContentKind::Other;
    // Boundary characters (RFC 2046 bchars) exclude ';', so parameters split on it.
    for (size_t pos = semi; pos != std::string_view::npos;) {
        const size_t next = value.find(';', pos + 1);
        const std::string_view param = value.substr(pos + 1, next - pos - 1);
        pos = next;
        const auto eq = param.find('=');
        if (eq == std::string_view::npos) continue;
        if (!equalsNoCase(trimWhitespace(param.substr(0, eq)), "boundary")) continue;
        std::string_view val = trimWhitespace(param.substr(eq + 1));
        if (val.size() >= 2 && val.front() == '"' && val.back() == '"') {
            val = val.substr(1, val.size() - 2);
        }
        if (val.empty() || val.size() > 200) return ContentKind::Other;
        boundary = val;
        return ContentKind::Multipart;
    }
    return ContentKind::Other;
}

namespace {

// A proper prefix of `want` (NeedMore), `want` itself or longer (Yes), else No.
SniffResult sniffLiteral(std::string_view s, std::string_view want) {
    const size_t n = s.size() < want.size() ? s.size() : want.size();
    if (!equalsNoCase(s.substr(0, n), want.substr(0, n))) return SniffResult::kNo;
    return n < want.size() ? SniffResult::kNeedMore : SniffResult::kYes;
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

SniffResult sniffStatusLine(std::string_view s) {
    // "HTTP/1." DIGIT SP DIGIT DIGIT DIGIT
    static constexpr std::string_view kShape = "HTTP/1.0 000";
    for (size_t i = 0; i < kShape.size(); ++i) {
        if (i == s.size()) return SniffResult::kNeedMore;
        const bool ok = kShape[i] == '0' ? isDigit(s[i]) : s[i] == kShape[i];
        if (!ok) return SniffResult::kNo;
    }
    return SniffResult::kYes;
}

SniffResult sniffRequestLine(std::string_view s) {
    constexpr size_t kMinMethod = 3, kMaxMethod = 16;
    size_t i = 0;
    while (i < s.size() && s[i] >= 'A' && s[i] <= 'Z') {
        if (++i > kMaxMethod) return SniffResult::kNo;
    }
    if (i == s.size()) return SniffResult::kNeedMore;
    if (s[i] != ' ' || i < kMinMethod) return SniffResult::kNo;
    const std::string_view method = s.substr(0, i), target = s.substr(i + 1);
    if (target.empty()) return SniffResult::kNeedMore;
    const unsigned char t = static_cast<unsigned char>(target[0]);
    if (method == "CONNECT") return t > 0x20 && t < 0x7f ? SniffResult::kYes : SniffResult::kNo;
    if (t == '/' || t == '*') return SniffResult::kYes;
    return sniffLiteral(target, "http");
}

constexpr std::string_view kResyncMethods[] = {
    "GET",     "POST",   "HEAD",     "PUT",       "DELETE",     "OPTIONS", "PATCH",
    "CONNECT", "TRACE",  "PROPFIND", "PROPPATCH", "MKCOL",      "COPY",    "MOVE",
    "LOCK",    "UNLOCK", "REPORT",   "SEARCH",    "MKCALENDAR",
};

} // namespace

SniffResult sniffHttpMessage(std::string_view prefix, bool request) {
    const std::string_view s = prefix.substr(0, kHttpSniffBytes);
    return request ? sniffRequestLine(s) : sniffStatusLine(s);
}

bool plausibleResyncLine(std::string_view line, bool request) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    HttpHead h;
    if (!request) return parseStatusLine(line, h);
    if (!parseRequestLine(line, h)) return false;
    for (std::string_view m : kResyncMethods)
        if (h.method == m) return true;
    return false;
}

bool plausibleStartLine(std::string_view prefix, bool request) {
    if (!request) {
        const std::string_view want = "HTTP/";
        const size_t n = prefix.size() < want.size() ? prefix.size() : want.size();
        return prefix.substr(0, n) == want.substr(0, n);
    }
    constexpr size_t kMaxMethod = 32;
    for (size_t i = 0; i < prefix.size() && i <= kMaxMethod; ++i) {
        if (prefix[i] == ' ') return i > 0;
        if (!isTchar(prefix[i])) return false;
    }
    return prefix.size() <= kMaxMethod;
}

HttpHead parseHttpHead(std::string_view head, bool request) {
    HttpHead h;
    std::string_view rest = head;
    const std::string_view start = nextLine(rest);
    if (!(request ? parseRequestLine(start, h) : parseStatusLine(start, h))) return h;
    for (;;) {
        const std::string_view line = nextLine(rest);
        if (line.empty()) break;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) return h;
        const std::string_view name = line.substr(0, colon);
        if (!isToken(name)) return h; // also rejects "Name :" (a smuggling vector)
        const std::string_view value = trimWhitespace(line.substr(colon + 1));
        if (equalsNoCase(name, "content-length")) {
            if (!addContentLength(value, h)) return h;
        } else if (equalsNoCase(name, "transfer-encoding")) {
            addTransferEncoding(value, h);
        } else if (equalsNoCase(name, "content-encoding")) {
            h.coding = parseContentEncoding(value);
        } else if (equalsNoCase(name, "content-type")) {
            h.kind = parseContentType(value, h.boundary);
        } else if (equalsNoCase(name, "content-disposition")) {
            h.disposition = value;
        }
    }
    h.ok = true;
    return h;
}

} // namespace egressmon::dpi
