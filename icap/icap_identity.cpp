#include "icap/icap_identity.h"

#include <algorithm>

#include "dpi/content/content_base64.h"
#include "icap/icap_head_syntax.h"

namespace egressmon::icap {

namespace {

bool isBase64Text(std::string_view v) noexcept {
    if (v.empty() || v.size() % 4 != 0) return false;
    return std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/' || c == '=';
    });
}

// "https://host:443/path" -> "host:443"; "" when the target is a path.
std::string_view authorityOf(std::string_view target) noexcept {
    const size_t scheme = target.find("://");
    if (scheme == std::string_view::npos) return {};
    std::string_view rest = target.substr(scheme + 3);
    return rest.substr(0, rest.find_first_of("/?#"));
}

// "host:8443" -> "host", "[2001:db8::1]:443" -> "2001:db8::1": EVE's http.hostname is the name
// alone (Suricata keeps the port apart).
std::string_view withoutPort(std::string_view authority) noexcept {
    if (!authority.empty() && authority.front() == '[') {
        const size_t close = authority.find(']');
        return close == std::string_view::npos ? authority : authority.substr(1, close - 1);
    }
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) == std::string_view::npos)
        return authority.substr(0, colon);
    return authority;
}

} // namespace

std::string decodeAuthenticatedUser(std::string_view value) {
    value = trimSpaces(value);
    if (!isBase64Text(value)) return std::string(value);
    dpi::Base64Decoder decoder;
    std::string decoded;
    decoder.decode(reinterpret_cast<const uint8_t*>(value.data()), value.size(), decoded);
    decoder.finish(decoded);
    const bool printable =
        !decoded.empty() && std::all_of(decoded.begin(), decoded.end(), [](char c) {
            return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
        });
    return printable ? decoded : std::string(value);
}

TransactionIdentity transactionIdentity(const IcapRequestHead& head, const core::IpAddress& peer) {
    TransactionIdentity id;
    id.client = peer;
    if (const std::string* v = head.field("X-Client-IP"))
        if (auto ip = core::IpAddress::parse(trimSpaces(*v))) id.client = *ip;
    if (const std::string* v = head.field("X-Server-IP"))
        if (auto ip = core::IpAddress::parse(trimSpaces(*v))) id.server = *ip;
    if (const std::string* v = head.field("X-Authenticated-User"))
        id.user = decodeAuthenticatedUser(*v);
    else if (const std::string* u = head.field("X-Client-Username"))
        id.user = std::string(trimSpaces(*u));
    if (head.http_request) {
        const HttpRequestHead& http = *head.http_request;
        id.method = http.method;
        id.url = http.target;
        const std::string* host = http.field("Host");
        id.host = std::string(withoutPort(host ? trimSpaces(*host) : authorityOf(http.target)));
    }
    return id;
}

} // namespace egressmon::icap
