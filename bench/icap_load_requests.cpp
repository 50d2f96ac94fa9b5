#include "bench/icap_load_requests.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace egressmon::bench {

namespace {

std::string hex(uint64_t v) {
    char buf[24];
    const int n = std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
    return std::string(buf, static_cast<size_t>(n));
}

std::string_view contentTypeFor(const std::string& name) {
    const size_t dot = name.rfind('.');
    const std::string_view ext =
        dot == std::string::npos ? std::string_view() : std::string_view(name).substr(dot + 1);
    if (ext == "docx")
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    if (ext == "xlsx") return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    if (ext == "pptx")
        return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    if (ext == "pdf") return "application/pdf";
    if (ext == "zip") return "application/zip";
    if (ext == "txt" || ext == "csv") return "text/plain";
    return "application/octet-stream";
}

// Squid's chunk sizes, as recorded (tests/e2e/data/icap/squid_reqmod_large.bin).
void appendChunked(std::string& out, std::string_view body, Chunking chunking) {
    size_t at = 0;
    size_t step = 0;
    while (at < body.size()) {
        size_t size = body.size() - at;
        if (chunking == Chunking::kSquid) {
            const size_t want = step == 0 ? 4096 : step == 1 ? 12287 : (step % 2 == 0 ? 1 : 16383);
            size = std::min(size, want);
        }
        out += hex(size);
        out += "\r\n";
        out.append(body.substr(at, size));
        out += "\r\n";
        at += size;
        ++step;
    }
}

PreparedRequest finish(const RequestOptions& o, std::string name, std::string http_head,
                       std::string body) {
    PreparedRequest r;
    r.name = std::move(name);
    r.allow_204 = o.allow_204 == Allow204::kAlways ||
                  (o.allow_204 == Allow204::kSquid && body.size() <= kSquidAllow204MaxBody);
    std::string& out = r.first;
    out.reserve(body.size() + body.size() / 1000 + http_head.size() + 512);
    out += "REQMOD icap://" + o.icap_authority + "/reqmod ICAP/1.0\r\n";
    out += "Host: " + o.icap_authority + "\r\n";
    out += "Date: Fri, 04 Dec 2026 16:41:37 GMT\r\n";
    out += "Encapsulated: req-hdr=0, req-body=" + std::to_string(http_head.size()) + "\r\n";
    const bool whole_in_preview = o.preview && body.size() <= *o.preview;
    if (o.preview)
        out += "Preview: " + std::to_string(whole_in_preview ? body.size() : *o.preview) + "\r\n";
    out += r.allow_204 ? "Allow: 204, trailers\r\n" : "Allow: trailers\r\n";
    out += "X-Client-IP: 10.20.30.40\r\n";
    out += "X-Client-Username: alice\r\n\r\n";
    out += http_head;
    const std::string_view b(body);
    if (!o.preview) {
        appendChunked(out, b, o.chunking);
        out += "0\r\n\r\n";
    } else if (whole_in_preview) {
        appendChunked(out, b, Chunking::kWhole);
        out += "0; ieof\r\n\r\n";
    } else {
        appendChunked(out, b.substr(0, *o.preview), Chunking::kWhole);
        out += "0\r\n\r\n";
        appendChunked(r.rest, b.substr(*o.preview), o.chunking);
        r.rest += "0\r\n\r\n";
    }
    r.http_head = std::move(http_head);
    r.body = std::move(body);
    return r;
}

} // namespace

PreparedRequest documentRequest(const RequestOptions& o, const std::string& name,
                                const std::string& file, size_t index) {
    const bool multipart =
        o.shape == BodyShape::kMultipart || (o.shape == BodyShape::kMix && index % 5 < 3);
    std::string head, body;
    if (multipart) {
        const std::string boundary = "----WebKitFormBoundary7MA4YWxk" + hex(0x10000 + index);
        body = "--" + boundary +
               "\r\nContent-Disposition: form-data; name=\"folder\"\r\n\r\n/Shared/reports\r\n"
               "--" +
               boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name +
               "\"\r\nContent-Type: " + std::string(contentTypeFor(name)) + "\r\n\r\n";
        body += file;
        body += "\r\n--" + boundary + "--\r\n";
        head = "POST https://files.example.test/api/v2/files/upload HTTP/1.1\r\n"
               "Host: files.example.test\r\n"
               "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
               "(KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n"
               "Accept: */*\r\nAccept-Encoding: gzip, deflate, br\r\n"
               "Origin: https://files.example.test\r\n"
               "Content-Type: multipart/form-data; boundary=" +
               boundary + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    } else {
        body = file;
        head = "PUT https://dav.example.test/remote.php/dav/files/alice/Documents/" + name +
               " HTTP/1.1\r\nHost: dav.example.test\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"
               "Content-Type: " +
               std::string(contentTypeFor(name)) +
               "\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\nExpect: 100-continue\r\n\r\n";
    }
    return finish(o, name, std::move(head), std::move(body));
}

PreparedRequest smallFormRequest(const RequestOptions& o, size_t body_bytes, size_t index) {
    static const char* const kWords[] = {"meeting", "notes", "quarter", "review", "travel",
                                         "budget",  "team",  "update",  "please", "thanks"};
    std::string body = "user=alice&action=save&id=" + std::to_string(1000 + index) + "&comment=";
    size_t w = index;
    while (body.size() < body_bytes) {
        body += kWords[w++ % (sizeof kWords / sizeof kWords[0])];
        body += '+';
    }
    body.resize(body_bytes);
    std::string head =
        "POST https://portal.example.test/account/settings?tab=" + std::to_string(index % 7) +
        " HTTP/1.1\r\nHost: portal.example.test\r\n"
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 "
        "Firefox/120.0\r\nAccept: text/html,*/*\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\nCookie: session=5f2c9a7e01b4\r\n\r\n";
    return finish(o, "small", std::move(head), std::move(body));
}

} // namespace egressmon::bench
