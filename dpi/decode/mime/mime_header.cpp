#include "dpi/decode/mime/mime_header.h"

#include <utility>

#include "dpi/decode/mime/mime_param.h"

namespace egressmon::dpi {

namespace {

char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && mimeEqualsNoCase(s.substr(0, prefix.size()), prefix);
}

} // namespace

bool mimeEqualsNoCase(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::string_view mimeTrim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::string_view mimeParam(std::string_view value, std::string_view name) noexcept {
    size_t pos = value.find(';');
    while (pos != std::string_view::npos) {
        std::string_view rest = value.substr(pos + 1);
        const size_t eq = rest.find('=');
        if (eq == std::string_view::npos) return {};
        const std::string_view key = mimeTrim(rest.substr(0, eq));
        std::string_view v = mimeTrim(rest.substr(eq + 1));
        size_t consumed = 0; // of `v`, to find the next ';'
        std::string_view result;
        if (!v.empty() && v.front() == '"') {
            const size_t close = v.find('"', 1);
            result = v.substr(1, close == std::string_view::npos ? v.npos : close - 1);
            consumed = close == std::string_view::npos ? v.size() : close + 1;
        } else {
            const size_t end = v.find(';');
            result = mimeTrim(v.substr(0, end));
            consumed = end == std::string_view::npos ? v.size() : end;
        }
        if (mimeEqualsNoCase(key, name)) return result;
        const size_t next = v.substr(consumed).find(';');
        if (next == std::string_view::npos) return {};
        pos = static_cast<size_t>(v.data() - value.data()) + consumed + next;
    }
    return {};
}

void applyMimeHeaderField(std::string_view field, MimeEntityInfo& info) {
    const size_t colon = field.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view name = mimeTrim(field.substr(0, colon));
    const std::string_view value = mimeTrim(field.substr(colon + 1));
    if (mimeEqualsNoCase(name, "content-type")) {
        info.multipart = false;
        info.boundary.clear();
        if (info.file_name.empty()) info.file_name = mimeFileNameParam(value, "name");
        if (!startsWithNoCase(value, "multipart/")) return;
        const std::string_view boundary = mimeParam(value, "boundary");
        if (boundary.empty() || boundary.size() > kMaxMimeBoundary) return;
        info.multipart = true;
        info.boundary.assign(boundary);
    } else if (mimeEqualsNoCase(name, "content-disposition")) {
        // filename= is what the sender called the file; it wins over Content-Type's name=.
        std::string file_name = mimeFileNameParam(value, "filename");
        if (!file_name.empty()) info.file_name = std::move(file_name);
    } else if (mimeEqualsNoCase(name, "content-transfer-encoding")) {
        const std::string_view v = mimeTrim(value.substr(0, value.find(';')));
        if (mimeEqualsNoCase(v, "base64")) {
            info.encoding = MimeEncoding::Base64;
        } else if (mimeEqualsNoCase(v, "quoted-printable")) {
            info.encoding = MimeEncoding::QuotedPrintable;
        } else {
            info.encoding = MimeEncoding::Identity;
        }
    }
}

} // namespace egressmon::dpi
