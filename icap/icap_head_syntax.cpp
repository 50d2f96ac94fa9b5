#include "icap/icap_head_syntax.h"

#include <array>
#include <limits>
#include <optional>

namespace egressmon::icap {
namespace {

SyntaxResult bad(std::string_view reason) noexcept {
    return {IcapError::BadRequest, reason};
}

char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool isTokenChar(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Encapsulated entity names in the order RFC 3507 4.4.1 allows them to appear.
enum Entity : uint8_t { ReqHdr, ResHdr, ReqBody, ResBody, NullBody, OptBody, kEntities };
constexpr std::array<std::string_view, kEntities> kEntityNames = {
    "req-hdr", "res-hdr", "req-body", "res-body", "null-body", "opt-body"};

bool isBodyEntity(int entity) noexcept {
    return entity >= ReqBody;
}

bool allowedFor(IcapMethod method, int entity) noexcept {
    switch (method) {
    case IcapMethod::Reqmod: return entity == ReqHdr || entity == ReqBody || entity == NullBody;
    case IcapMethod::Respmod:
        return entity == ReqHdr || entity == ResHdr || entity == ResBody || entity == NullBody;
    case IcapMethod::Options: return entity == NullBody || entity == OptBody;
    }
    return false;
}

std::optional<uint32_t>& slot(EncapsulatedOffsets& o, int entity) noexcept {
    switch (entity) {
    case ReqHdr: return o.req_hdr;
    case ResHdr: return o.res_hdr;
    case ReqBody: return o.req_body;
    case ResBody: return o.res_body;
    case NullBody: return o.null_body;
    default: return o.opt_body;
    }
}

} // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

std::string_view trimSpaces(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

bool isToken(std::string_view text) noexcept {
    if (text.empty()) return false;
    for (char c : text)
        if (!isTokenChar(c)) return false;
    return true;
}

bool parseDecimal(std::string_view text, uint64_t max, uint64_t& out) noexcept {
    if (text.empty()) return false;
    uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        const auto digit = static_cast<uint64_t>(c - '0');
        if (value > (max - digit) / 10) return false;
        value = value * 10 + digit;
    }
    out = value;
    return true;
}

SyntaxResult parseIcapRequestLine(std::string_view line, IcapRequestHead& head) noexcept {
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return bad("request line is not METHOD SP URI SP VERSION");
    const std::string_view method = line.substr(0, sp1);
    const std::string_view uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (!isToken(method) || uri.empty()) return bad("malformed request line");
    // ICAP-Version = "ICAP/" 1*DIGIT "." 1*DIGIT; only 1.0 exists.
    if (version.substr(0, 5) != "ICAP/") return bad("not an ICAP version");
    const std::string_view number = version.substr(5);
    const size_t dot = number.find('.');
    uint64_t major = 0, minor = 0;
    if (dot == std::string_view::npos ||
        !parseDecimal(number.substr(0, dot), std::numeric_limits<uint32_t>::max(), major) ||
        !parseDecimal(number.substr(dot + 1), std::numeric_limits<uint32_t>::max(), minor))
        return bad("malformed ICAP version");
    if (method == "OPTIONS")
        head.method = IcapMethod::Options;
    else if (method == "REQMOD")
        head.method = IcapMethod::Reqmod;
    else if (method == "RESPMOD")
        head.method = IcapMethod::Respmod;
    else
        return {IcapError::NotImplemented, "unknown ICAP method"};
    if (major != 1 || minor != 0) return {IcapError::VersionNotSupported, "ICAP version not 1.0"};

    // icap://authority/path?query, icaps://..., or a bare "/path?query".
    std::string_view rest = uri;
    if (rest.front() != '/') {
        const size_t scheme_end = rest.find("://");
        if (scheme_end == std::string_view::npos ||
            !(equalsIgnoreCase(rest.substr(0, scheme_end), "icap") ||
              equalsIgnoreCase(rest.substr(0, scheme_end), "icaps")))
            return bad("ICAP URI is neither icap:// nor an absolute path");
        rest.remove_prefix(scheme_end + 3);
        const size_t authority_end = rest.find_first_of("/?#");
        if (authority_end == 0) return bad("ICAP URI without a host");
        rest = authority_end == std::string_view::npos ? std::string_view()
                                                       : rest.substr(authority_end);
    }
    std::string_view path = rest.substr(0, rest.find_first_of("?#"));
    if (path.empty()) path = "/";
    for (char c : uri)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return bad("control character in the ICAP URI");
    head.uri.assign(uri);
    head.service_path.assign(path);
    return {};
}

SyntaxResult parseFieldBlock(std::string_view block, std::vector<HeaderField>& fields) noexcept {
    size_t pos = 0;
    const size_t first_field = fields.size();
    while (pos < block.size()) {
        const size_t lf = block.find('\n', pos);
        if (lf == std::string_view::npos) return bad("header line without a line end");
        std::string_view line = block.substr(pos, lf - pos);
        pos = lf + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find('\r') != std::string_view::npos) return bad("CR inside a header line");
        if (line.find('\0') != std::string_view::npos) return bad("NUL inside a header line");
        if (line.empty()) {
            if (pos != block.size()) return bad("bytes after the end of a header section");
            return {};
        }
        if (line.front() == ' ' || line.front() == '\t') {
            // Obsolete line folding: the value goes on, joined with one space.
            if (fields.size() == first_field) return bad("continuation line before any field");
            const std::string_view more = trimSpaces(line);
            std::string& value = fields.back().value;
            if (!more.empty()) {
                if (!value.empty()) value += ' ';
                value.append(more);
            }
            continue;
        }
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) return bad("header line without a colon");
        const std::string_view name = line.substr(0, colon);
        if (!isToken(name)) return bad("malformed header field name");
        fields.push_back({std::string(name), std::string(trimSpaces(line.substr(colon + 1)))});
    }
    return bad("header section without its empty line");
}

SyntaxResult parseEncapsulated(std::string_view value, IcapMethod method,
                               EncapsulatedOffsets& out) noexcept {
    out = {};
    int last_entity = -1;
    uint64_t last_offset = 0;
    while (true) {
        const size_t comma = value.find(',');
        const std::string_view entry = trimSpaces(value.substr(0, comma));
        const size_t eq = entry.find('=');
        if (eq == std::string_view::npos) return bad("Encapsulated entry without '='");
        const std::string_view name = trimSpaces(entry.substr(0, eq));
        int entity = 0;
        while (entity < kEntities && kEntityNames[entity] != name)
            ++entity;
        if (entity == kEntities) return bad("unknown Encapsulated entity");
        uint64_t offset = 0;
        if (!parseDecimal(trimSpaces(entry.substr(eq + 1)), std::numeric_limits<uint32_t>::max(),
                          offset))
            return bad("Encapsulated offset is not a number");
        if (!allowedFor(method, entity)) return bad("Encapsulated entity not allowed for method");
        if (last_entity >= 0 && isBodyEntity(last_entity))
            return bad("Encapsulated entry after the body entity");
        if (last_entity >= entity) return bad("Encapsulated entities out of order");
        if (last_entity < 0 ? offset != 0 : offset <= last_offset)
            return bad("Encapsulated offsets not increasing from 0");
        slot(out, entity) = static_cast<uint32_t>(offset);
        last_entity = entity;
        last_offset = offset;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    if (!isBodyEntity(last_entity)) return bad("Encapsulated does not end with a body entity");
    return {};
}

uint32_t encapsulatedBodyOffset(const EncapsulatedOffsets& o) noexcept {
    if (o.req_body) return *o.req_body;
    if (o.res_body) return *o.res_body;
    if (o.null_body) return *o.null_body;
    return o.opt_body.value_or(0);
}

SyntaxResult parseHttpRequestHead(std::string_view section, HttpRequestHead& out) noexcept {
    out = {};
    const size_t lf = section.find('\n');
    if (lf == std::string_view::npos) return bad("req-hdr without a request line");
    std::string_view line = section.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return bad("req-hdr request line is not METHOD SP TARGET SP VERSION");
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (!isToken(method) || target.empty() || version.substr(0, 5) != "HTTP/" ||
        line.find_first_of(std::string_view("\r\0\t", 3)) != std::string_view::npos)
        return bad("malformed req-hdr request line");
    if (const SyntaxResult r = parseFieldBlock(section.substr(lf + 1), out.fields); !r) return r;
    out.method.assign(method);
    out.target.assign(target);
    out.version.assign(version);
    out.raw.assign(section);
    return {};
}

SyntaxResult checkHeaderSectionFraming(std::string_view section) noexcept {
    const size_t lf = section.find('\n');
    if (lf == std::string_view::npos || lf == 0 || (lf == 1 && section[0] == '\r'))
        return bad("encapsulated header section without a start line");
    size_t pos = lf + 1;
    while (pos < section.size()) {
        const size_t end = section.find('\n', pos);
        if (end == std::string_view::npos) return bad("header line without a line end");
        const size_t len = end - pos;
        if (len == 0 || (len == 1 && section[pos] == '\r'))
            return end + 1 == section.size() ? SyntaxResult{}
                                             : bad("bytes after the end of a header section");
        pos = end + 1;
    }
    return bad("header section without its empty line");
}

SyntaxResult interpretIcapFields(IcapRequestHead& head) noexcept {
    bool encapsulated = false, preview = false;
    for (const HeaderField& f : head.fields) {
        if (equalsIgnoreCase(f.name, "Encapsulated")) {
            if (encapsulated) return bad("more than one Encapsulated header");
            encapsulated = true;
            if (const SyntaxResult r = parseEncapsulated(f.value, head.method, head.encapsulated);
                !r)
                return r;
        } else if (equalsIgnoreCase(f.name, "Preview")) {
            if (preview) return bad("more than one Preview header");
            preview = true;
            uint64_t n = 0;
            if (!parseDecimal(f.value, std::numeric_limits<int64_t>::max(), n))
                return bad("Preview is not a number");
            head.preview = n;
        } else if (equalsIgnoreCase(f.name, "Allow")) {
            std::string_view list = f.value;
            while (true) {
                const size_t comma = list.find(',');
                const std::string_view token = trimSpaces(list.substr(0, comma));
                if (token == "204") head.allow_204 = true;
                if (equalsIgnoreCase(token, "trailers")) head.allow_trailers = true;
                if (comma == std::string_view::npos) break;
                list.remove_prefix(comma + 1);
            }
        }
    }
    if (!encapsulated) {
        if (head.method != IcapMethod::Options) return bad("no Encapsulated header");
        head.encapsulated.null_body = 0; // OPTIONS may omit it: no body
    }
    const EncapsulatedOffsets& o = head.encapsulated;
    head.has_body = o.req_body || o.res_body || o.opt_body;
    return {};
}

namespace {
const std::string* findField(const std::vector<HeaderField>& fields,
                             std::string_view name) noexcept {
    for (const HeaderField& f : fields)
        if (equalsIgnoreCase(f.name, name)) return &f.value;
    return nullptr;
}
} // namespace

const std::string* HttpRequestHead::field(std::string_view name) const noexcept {
    return findField(fields, name);
}

const std::string* IcapRequestHead::field(std::string_view name) const noexcept {
    return findField(fields, name);
}

} // namespace egressmon::icap
