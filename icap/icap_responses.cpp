#include "icap/icap_responses.h"

#include <charconv>

namespace egressmon::icap {
namespace {

// The reason phrase of the HTTP statuses a block page may carry (icap.block-status, 400-599).
std::string_view httpReasonPhrase(uint16_t status) noexcept {
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Blocked";
    }
}

void appendNumber(std::string& out, uint64_t n, int base = 10) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, n, base).ptr;
    out.append(digits, end);
}

void appendStatusLine(std::string& out, uint16_t status) {
    out += "ICAP/1.0 ";
    appendNumber(out, status);
    out += ' ';
    out += icapReasonPhrase(status);
    out += "\r\n";
}

void appendIsTag(std::string& out, std::string_view istag) {
    out += "ISTag: \"";
    out += istag;
    out += "\"\r\n";
}

void appendConnectionAndEnd(std::string& out, bool close) {
    if (close) out += "Connection: close\r\n";
    out += "\r\n";
}

void appendEntity(std::string& out, std::string_view name, uint64_t offset) {
    out += name;
    out += '=';
    appendNumber(out, offset);
}

} // namespace

std::string_view icapReasonPhrase(uint16_t status) noexcept {
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "ICAP Service Not Found";
    case 405: return "Method Not Allowed For Service";
    case 408: return "Request Timeout";
    case 500: return "Server Error";
    case 501: return "Method Not Implemented";
    case 503: return "Service Overloaded";
    case 505: return "ICAP Version Not Supported by Server";
    default: return "Unknown";
    }
}

ErrorReply errorReplyFor(IcapError error) noexcept {
    switch (error) {
    case IcapError::BadRequest: return {400, true};
    case IcapError::ServiceNotFound: return {404, false};
    case IcapError::MethodNotAllowed: return {405, false};
    case IcapError::HeaderTooLarge: return {400, true};
    case IcapError::NotImplemented: return {501, true};
    case IcapError::VersionNotSupported: return {505, true};
    case IcapError::BadChunk: return {400, true};
    case IcapError::None: break;
    }
    return {500, true};
}

void appendOptionsResponse(std::string& out, const OptionsReply& reply) {
    appendStatusLine(out, 200);
    out += "Methods: ";
    out += reply.methods;
    out += "\r\n";
    if (!reply.service.empty()) {
        out += "Service: ";
        out += reply.service;
        out += "\r\n";
    }
    appendIsTag(out, reply.istag);
    out += "Encapsulated: null-body=0\r\n";
    if (reply.max_connections != 0) {
        out += "Max-Connections: ";
        appendNumber(out, reply.max_connections);
        out += "\r\n";
    }
    if (reply.options_ttl_s != 0) {
        out += "Options-TTL: ";
        appendNumber(out, reply.options_ttl_s);
        out += "\r\n";
    }
    if (reply.allow_204) out += "Allow: 204\r\n";
    if (reply.preview) {
        out += "Preview: ";
        appendNumber(out, *reply.preview);
        out += "\r\n";
    }
    if (reply.transfer_preview_all) out += "Transfer-Preview: *\r\n";
    if (!reply.date.empty()) {
        out += "Date: ";
        out += reply.date;
        out += "\r\n";
    }
    appendConnectionAndEnd(out, reply.close);
}

void appendContinue(std::string& out) {
    out += "ICAP/1.0 100 Continue\r\n\r\n";
}

void appendNoContent(std::string& out, std::string_view istag, bool close) {
    appendStatusLine(out, 204);
    appendIsTag(out, istag);
    out += "Encapsulated: null-body=0\r\n";
    appendConnectionAndEnd(out, close);
}

void appendEchoHead(std::string& out, std::string_view istag, std::string_view req_hdr_raw,
                    bool has_body, bool close) {
    appendStatusLine(out, 200);
    appendIsTag(out, istag);
    out += "Encapsulated: ";
    if (!req_hdr_raw.empty()) {
        appendEntity(out, "req-hdr", 0);
        out += ", ";
    }
    appendEntity(out, has_body ? "req-body" : "null-body", req_hdr_raw.size());
    out += "\r\n";
    appendConnectionAndEnd(out, close);
    out += req_hdr_raw;
}

void appendChunkSize(std::string& out, uint64_t size) {
    appendNumber(out, size, 16);
    out += "\r\n";
}

void appendChunk(std::string& out, std::string_view piece) {
    if (piece.empty()) return;
    appendChunkSize(out, piece.size());
    out += piece;
    out += "\r\n";
}

void appendChunk(std::string& out, std::span<const uint8_t> piece) {
    appendChunk(out, std::string_view(reinterpret_cast<const char*>(piece.data()), piece.size()));
}

void appendLastChunk(std::string& out) {
    out += "0\r\n\r\n";
}

void appendBlockResponse(std::string& out, std::string_view istag, uint16_t http_status,
                         std::string_view html, bool close) {
    std::string http = "HTTP/1.1 ";
    appendNumber(http, http_status);
    http += ' ';
    http += httpReasonPhrase(http_status);
    http += "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ";
    appendNumber(http, html.size());
    http += "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n";

    appendStatusLine(out, 200);
    appendIsTag(out, istag);
    out += "Encapsulated: ";
    appendEntity(out, "res-hdr", 0);
    out += ", ";
    appendEntity(out, html.empty() ? "null-body" : "res-body", http.size());
    out += "\r\n";
    appendConnectionAndEnd(out, close);
    out += http;
    if (!html.empty()) {
        appendChunk(out, html);
        appendLastChunk(out);
    }
}

void appendErrorResponse(std::string& out, uint16_t status, std::string_view istag, bool close) {
    appendStatusLine(out, status);
    appendIsTag(out, istag);
    out += "Encapsulated: null-body=0\r\n";
    appendConnectionAndEnd(out, close);
}

void appendHtmlEscaped(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
}

std::string httpDate(std::time_t t) {
    static constexpr std::string_view kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&t, &tm);
    const auto two = [](std::string& s, int n) {
        s += static_cast<char>('0' + n / 10);
        s += static_cast<char>('0' + n % 10);
    };
    std::string s;
    s += kDays[tm.tm_wday];
    s += ", ";
    two(s, tm.tm_mday);
    s += ' ';
    s += kMonths[tm.tm_mon];
    s += ' ';
    appendNumber(s, static_cast<uint64_t>(tm.tm_year + 1900));
    s += ' ';
    two(s, tm.tm_hour);
    s += ':';
    two(s, tm.tm_min);
    s += ':';
    two(s, tm.tm_sec);
    s += " GMT";
    return s;
}

} // namespace egressmon::icap
