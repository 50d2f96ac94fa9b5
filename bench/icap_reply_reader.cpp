#include "bench/icap_reply_reader.h"

#include <algorithm>
#include <cstring>

namespace egressmon::bench {

namespace {

constexpr size_t kMaxHeadBytes = 64 * 1024;
constexpr size_t kMaxLineBytes = 1024;

bool equalsNoCase(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20);
           });
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool parseUnsigned(std::string_view s, int base, uint64_t& out) noexcept {
    if (s.empty() || s.size() > 16) return false;
    uint64_t v = 0;
    for (const char c : s) {
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return false;
        v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    }
    out = v;
    return true;
}

} // namespace

void IcapReplyReader::expect(std::string_view http_head, std::string_view body,
                             bool exact) noexcept {
    expect_head_ = http_head;
    expect_body_ = body;
    exact_ = exact;
}

void IcapReplyReader::next() noexcept {
    state_ = State::kHead;
    kind_ = Kind::kStatus;
    status_ = 0;
    buf_.clear();
    encap_left_ = 0;
    has_body_ = false;
    chunk_left_ = 0;
    body_bytes_ = 0;
}

size_t IcapReplyReader::fail(std::string message) {
    state_ = State::kFailed;
    error_ = std::move(message);
    return 0;
}

size_t IcapReplyReader::feed(const char* data, size_t size) {
    size_t used = 0;
    while (used < size && state_ != State::kDone && state_ != State::kFailed) {
        const char* p = data + used;
        const size_t n = size - used;
        switch (state_) {
        case State::kHead: used += consumeHead(p, n); break;
        case State::kEncapHead: used += consumeEncapHead(p, n); break;
        case State::kChunkLine:
        case State::kTrailer: used += consumeLine(p, n, kMaxLineBytes); break;
        case State::kChunkData: {
            const size_t take = static_cast<size_t>(std::min<uint64_t>(chunk_left_, n));
            if (kind_ == Kind::kEcho) {
                if (body_bytes_ + take > expect_body_.size())
                    return used + fail("echoed body longer than the request's");
                if (exact_ && std::memcmp(p, expect_body_.data() + body_bytes_, take) != 0)
                    return used + fail("echoed body differs from the request's");
            }
            body_bytes_ += take;
            chunk_left_ -= take;
            used += take;
            if (chunk_left_ == 0) {
                state_ = State::kChunkEnd;
                buf_.clear();
            }
            break;
        }
        case State::kChunkEnd: {
            const size_t take = std::min<size_t>(2 - buf_.size(), n);
            buf_.append(p, take);
            used += take;
            if (buf_.size() == 2) {
                if (buf_ != "\r\n") return used + fail("chunk data not followed by CRLF");
                buf_.clear();
                state_ = State::kChunkLine;
            }
            break;
        }
        case State::kDone:
        case State::kFailed: break;
        }
    }
    return used;
}

size_t IcapReplyReader::consumeHead(const char* data, size_t size) {
    const size_t before = buf_.size();
    buf_.append(data, size);
    const size_t from = before >= 3 ? before - 3 : 0;
    const size_t end = buf_.find("\r\n\r\n", from);
    if (end == std::string::npos) {
        if (buf_.size() > kMaxHeadBytes) return fail("ICAP reply head over 64 KiB");
        return size;
    }
    const size_t used = end + 4 - before;
    buf_.resize(end + 4);
    finishHead();
    return used;
}

bool IcapReplyReader::finishHead() {
    std::string_view head(buf_);
    const size_t eol = head.find("\r\n");
    const std::string_view status_line = head.substr(0, eol);
    uint64_t status = 0;
    if (status_line.rfind("ICAP/1.0 ", 0) != 0 || status_line.size() < 12 ||
        !parseUnsigned(status_line.substr(9, 3), 10, status)) {
        fail("not an ICAP/1.0 status line: " + std::string(status_line.substr(0, 80)));
        return false;
    }
    status_ = static_cast<uint16_t>(status);
    std::string_view encapsulated;
    size_t pos = eol + 2;
    while (pos < head.size()) {
        const size_t next = head.find("\r\n", pos);
        const std::string_view line = head.substr(pos, next - pos);
        pos = next + 2;
        if (line.empty()) break;
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        if (equalsNoCase(trim(line.substr(0, colon)), "Encapsulated"))
            encapsulated = trim(line.substr(colon + 1));
    }
    buf_.clear();
    if (status_ == 100) {
        kind_ = Kind::kContinue;
        state_ = State::kDone;
        return true;
    }
    // Encapsulated: "req-hdr=0, req-body=N" / "res-hdr=0, res-body=N" / "null-body=0" ...
    bool req_hdr = false, res_hdr = false;
    uint64_t body_offset = 0;
    bool body_entity = false;
    size_t at = 0;
    while (at < encapsulated.size()) {
        size_t comma = encapsulated.find(',', at);
        if (comma == std::string_view::npos) comma = encapsulated.size();
        const std::string_view entry = trim(encapsulated.substr(at, comma - at));
        at = comma + 1;
        const size_t eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string_view name = entry.substr(0, eq);
        uint64_t offset = 0;
        if (!parseUnsigned(entry.substr(eq + 1), 10, offset)) {
            fail("bad Encapsulated value: " + std::string(encapsulated));
            return false;
        }
        if (name == "req-hdr") req_hdr = true;
        if (name == "res-hdr") res_hdr = true;
        if (name == "req-body" || name == "res-body" || name == "null-body") {
            body_offset = offset;
            body_entity = true;
            has_body_ = name != "null-body";
        }
    }
    if (status_ == 204) {
        kind_ = Kind::kNoContent;
        state_ = State::kDone;
        return true;
    }
    if (status_ != 200) {
        // Error statuses carry null-body=0: nothing follows the head.
        kind_ = Kind::kStatus;
    } else if (req_hdr || (!res_hdr && has_body_)) {
        kind_ = Kind::kEcho;
    } else {
        kind_ = Kind::kResponse;
    }
    if (!body_entity) {
        fail("200 without a body entity in Encapsulated: " + std::string(encapsulated));
        return false;
    }
    encap_left_ = body_offset;
    state_ = encap_left_ > 0 ? State::kEncapHead : State::kChunkLine;
    if (encap_left_ == 0 && !has_body_) finishBody();
    return true;
}

size_t IcapReplyReader::consumeEncapHead(const char* data, size_t size) {
    const size_t take = static_cast<size_t>(std::min<uint64_t>(encap_left_, size));
    buf_.append(data, take);
    encap_left_ -= take;
    if (encap_left_ > 0) return take;
    if (kind_ == Kind::kEcho && buf_ != expect_head_) {
        fail("echoed HTTP header differs from the request's");
        return take;
    }
    buf_.clear();
    if (has_body_)
        state_ = State::kChunkLine;
    else
        finishBody();
    return take;
}

size_t IcapReplyReader::consumeLine(const char* data, size_t size, size_t limit) {
    const void* lf = std::memchr(data, '\n', size);
    const size_t take = lf ? static_cast<size_t>(static_cast<const char*>(lf) - data) + 1 : size;
    buf_.append(data, take);
    if (buf_.size() > limit) return fail("chunk or trailer line over 1 KiB");
    if (!lf) return take;
    buf_.pop_back(); // LF
    if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
    if (state_ == State::kTrailer) {
        if (buf_.empty()) finishBody();
        buf_.clear();
        return take;
    }
    finishChunkLine();
    return take;
}

bool IcapReplyReader::finishChunkLine() {
    std::string_view line(buf_);
    const size_t semi = line.find(';');
    const std::string_view hex = trim(line.substr(0, semi));
    uint64_t chunk = 0;
    if (!parseUnsigned(hex, 16, chunk)) {
        fail("bad chunk-size line: " + std::string(line.substr(0, 40)));
        return false;
    }
    buf_.clear();
    if (chunk == 0) {
        state_ = State::kTrailer;
        return true;
    }
    chunk_left_ = chunk;
    state_ = State::kChunkData;
    return true;
}

void IcapReplyReader::finishBody() {
    if (kind_ == Kind::kEcho && body_bytes_ != expect_body_.size()) {
        fail("echoed body has " + std::to_string(body_bytes_) + " bytes, the request " +
             std::to_string(expect_body_.size()));
        return;
    }
    state_ = State::kDone;
}

} // namespace egressmon::bench
