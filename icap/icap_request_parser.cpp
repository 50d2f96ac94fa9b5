#include "icap/icap_request_parser.h"

#include <algorithm>
#include <cstring>

#include "icap/icap_head_syntax.h"

namespace egressmon::icap {
namespace {

// Between requests a buffer grown for a large head is given back, so that many idle
// connections hold little memory.
constexpr size_t kKeptBufferCapacity = 4096;

int hexDigit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

IcapRequestParser::IcapRequestParser(IcapParserEvents& events, const IcapParserLimits& limits)
    : events_(events), limits_(limits) {}

size_t IcapRequestParser::feed(std::span<const uint8_t> bytes) noexcept {
    const uint8_t* data = bytes.data();
    const size_t size = bytes.size();
    size_t pos = 0;
    // Every step consumes at least one byte or leaves the state it was in, so this ends.
    while (pos < size) {
        switch (state_) {
        case State::IcapHead: pos += consumeIcapHead(data + pos, size - pos); break;
        case State::EncapsulatedHeaders: pos += consumeEncapsulated(data + pos, size - pos); break;
        case State::ChunkLine: pos += consumeChunkLine(data + pos, size - pos); break;
        case State::ChunkData: pos += consumeChunkData(data + pos, size - pos); break;
        case State::ChunkDataEnd: pos += consumeChunkDataEnd(data + pos, size - pos); break;
        case State::Trailer: pos += consumeTrailer(data + pos, size - pos); break;
        case State::AwaitingPreviewDecision:
        case State::Failed: return pos;
        }
    }
    return pos;
}

void IcapRequestParser::continueAfterPreview() noexcept {
    if (state_ != State::AwaitingPreviewDecision) return;
    state_ = State::ChunkLine;
    buf_.clear();
}

void IcapRequestParser::abandonAfterPreview() noexcept {
    if (state_ == State::AwaitingPreviewDecision) endRequest(false);
}

bool IcapRequestParser::idle() const noexcept {
    return state_ == State::IcapHead && !started_;
}

bool IcapRequestParser::awaitingPreviewDecision() const noexcept {
    return state_ == State::AwaitingPreviewDecision;
}

bool IcapRequestParser::failed() const noexcept {
    return state_ == State::Failed;
}

uint64_t IcapRequestParser::headerBytesSoFar() const noexcept {
    return header_bytes_;
}

size_t IcapRequestParser::consumeIcapHead(const uint8_t* data, size_t size) noexcept {
    size_t i = 0;
    while (i < size) {
        if (!started_) {
            started_ = true;
            head_ = IcapRequestHead{};
        }
        const auto* lf = static_cast<const uint8_t*>(std::memchr(data + i, '\n', size - i));
        const size_t take = lf != nullptr ? static_cast<size_t>(lf - (data + i)) + 1 : size - i;
        if (header_bytes_ + take > limits_.max_header_bytes) {
            fail(IcapError::HeaderTooLarge, "ICAP head over max_header_bytes");
            return i;
        }
        header_bytes_ += take;
        buf_.append(reinterpret_cast<const char*>(data + i), take);
        i += take;
        if (lf == nullptr) return i;

        std::string_view line(buf_.data() + line_start_, buf_.size() - line_start_ - 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!request_line_) {
            if (line.empty()) { // an empty line before the request line: skipped
                buf_.clear();
                continue;
            }
            if (line.find('\r') != std::string_view::npos) {
                fail(IcapError::BadRequest, "CR inside the request line");
                return i;
            }
            if (const SyntaxResult r = parseIcapRequestLine(line, head_); !r) {
                fail(r.error, r.reason);
                return i;
            }
            request_line_ = true;
        } else if (line.empty()) {
            finishIcapHead();
            return i;
        }
        line_start_ = buf_.size();
    }
    return i;
}

void IcapRequestParser::finishIcapHead() noexcept {
    const std::string_view head(buf_);
    const std::string_view fields = head.substr(head.find('\n') + 1);
    if (const SyntaxResult r = parseFieldBlock(fields, head_.fields); !r)
        return fail(r.error, r.reason);
    if (const SyntaxResult r = interpretIcapFields(head_); !r) return fail(r.error, r.reason);
    encapsulated_size_ = encapsulatedBodyOffset(head_.encapsulated);
    // Refused before a byte of them is buffered when the offsets promise too much.
    if (header_bytes_ + encapsulated_size_ > limits_.max_header_bytes)
        return fail(IcapError::HeaderTooLarge, "encapsulated headers over max_header_bytes");
    buf_.clear();
    line_start_ = 0;
    state_ = State::EncapsulatedHeaders;
    if (encapsulated_size_ == 0) finishEncapsulated();
}

size_t IcapRequestParser::consumeEncapsulated(const uint8_t* data, size_t size) noexcept {
    const size_t take = static_cast<size_t>(
        std::min<uint64_t>(encapsulated_size_ - buf_.size(), static_cast<uint64_t>(size)));
    buf_.append(reinterpret_cast<const char*>(data), take);
    header_bytes_ += take;
    if (buf_.size() == encapsulated_size_) finishEncapsulated();
    return take;
}

void IcapRequestParser::finishEncapsulated() noexcept {
    const EncapsulatedOffsets& o = head_.encapsulated;
    const std::string_view all(buf_);
    const uint32_t body = static_cast<uint32_t>(encapsulated_size_);
    if (o.req_hdr) {
        const uint32_t end = o.res_hdr ? *o.res_hdr : body;
        HttpRequestHead request;
        if (const SyntaxResult r =
                parseHttpRequestHead(all.substr(*o.req_hdr, end - *o.req_hdr), request);
            !r)
            return fail(r.error, r.reason);
        head_.http_request = std::move(request);
    }
    if (o.res_hdr) {
        const std::string_view section = all.substr(*o.res_hdr, body - *o.res_hdr);
        if (const SyntaxResult r = checkHeaderSectionFraming(section); !r)
            return fail(r.error, r.reason);
        head_.res_hdr_raw.assign(section);
    }
    buf_.clear();
    events_.onRequestHead(head_);
    if (!head_.has_body) return endRequest(true);
    state_ = State::ChunkLine;
    in_preview_ = head_.preview.has_value();
    preview_bytes_ = 0;
}

size_t IcapRequestParser::consumeChunkLine(const uint8_t* data, size_t size) noexcept {
    const auto* lf = static_cast<const uint8_t*>(std::memchr(data, '\n', size));
    const size_t take = lf != nullptr ? static_cast<size_t>(lf - data) + 1 : size;
    if (buf_.size() + take > limits_.max_chunk_line_bytes) {
        fail(IcapError::BadChunk, "chunk-size line over max_chunk_line_bytes");
        return 0;
    }
    buf_.append(reinterpret_cast<const char*>(data), take);
    if (lf != nullptr) finishChunkLine();
    return take;
}

void IcapRequestParser::finishChunkLine() noexcept {
    std::string_view line(buf_);
    line.remove_suffix(1); // the LF
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_of(std::string_view("\r\0", 2)) != std::string_view::npos)
        return fail(IcapError::BadChunk, "CR or NUL inside a chunk-size line");
    size_t i = 0;
    uint64_t size = 0;
    const uint64_t max = limits_.max_chunk_size;
    for (; i < line.size(); ++i) {
        const int d = hexDigit(line[i]);
        if (d < 0) break;
        const auto digit = static_cast<uint64_t>(d);
        if (digit > max || size > (max - digit) / 16)
            return fail(IcapError::BadChunk, "chunk size over max_chunk_size");
        size = size * 16 + digit;
    }
    if (i == 0) return fail(IcapError::BadChunk, "chunk size is not hexadecimal");
    // Extensions: `; name[=value]` (BWS allowed around them); only ieof means anything here.
    std::string_view rest = trimSpaces(line.substr(i));
    bool ieof = false;
    if (!rest.empty()) {
        if (rest.front() != ';') return fail(IcapError::BadChunk, "junk after the chunk size");
        while (!rest.empty()) {
            rest.remove_prefix(1); // the ';'
            const size_t next = rest.find(';');
            const std::string_view ext = rest.substr(0, next);
            if (equalsIgnoreCase(trimSpaces(ext.substr(0, ext.find('='))), "ieof")) ieof = true;
            rest = next == std::string_view::npos ? std::string_view() : rest.substr(next);
        }
    }
    buf_.clear();
    if (in_preview_ && size > *head_.preview - preview_bytes_)
        return fail(IcapError::BadChunk, "preview longer than its Preview header");
    if (size == 0) {
        last_chunk_ieof_ = ieof;
        trailer_bytes_ = 0;
        trailer_line_ = 0;
        trailer_line_cr_ = false;
        state_ = State::Trailer;
        return;
    }
    if (in_preview_) preview_bytes_ += size;
    chunk_left_ = size;
    state_ = State::ChunkData;
}

size_t IcapRequestParser::consumeChunkData(const uint8_t* data, size_t size) noexcept {
    const size_t take =
        static_cast<size_t>(std::min<uint64_t>(chunk_left_, static_cast<uint64_t>(size)));
    chunk_left_ -= take;
    if (chunk_left_ == 0) {
        state_ = State::ChunkDataEnd;
        chunk_end_cr_ = false;
    }
    events_.onBodyData({data, take});
    return take;
}

size_t IcapRequestParser::consumeChunkDataEnd(const uint8_t* data, size_t) noexcept {
    if (data[0] == '\n') {
        state_ = State::ChunkLine;
        return 1;
    }
    if (data[0] == '\r' && !chunk_end_cr_) {
        chunk_end_cr_ = true;
        return 1;
    }
    fail(IcapError::BadChunk, "chunk data longer than its size (no CRLF after it)");
    return 0;
}

size_t IcapRequestParser::consumeTrailer(const uint8_t* data, size_t size) noexcept {
    // Trailer lines are counted, not kept: nothing here reads them.
    size_t i = 0;
    while (i < size) {
        const auto* lf = static_cast<const uint8_t*>(std::memchr(data + i, '\n', size - i));
        const size_t upto = lf != nullptr ? static_cast<size_t>(lf - (data + i)) : size - i;
        if (upto > 0) {
            trailer_line_cr_ = data[i + upto - 1] == '\r';
            // A CR not yet followed by anything may belong to the closing empty line.
            if (static_cast<uint64_t>(trailer_bytes_) + trailer_line_ + upto -
                    (trailer_line_cr_ ? 1 : 0) >
                limits_.max_trailer_bytes) {
                fail(IcapError::BadChunk, "trailers over max_trailer_bytes");
                return i;
            }
            trailer_line_ += static_cast<uint32_t>(upto);
            i += upto;
        }
        if (lf == nullptr) return i;
        ++i; // the LF
        if (trailer_line_ == 0 || (trailer_line_ == 1 && trailer_line_cr_)) {
            finishLastChunk();
            return i;
        }
        if (static_cast<uint64_t>(trailer_bytes_) + trailer_line_ + 1 > limits_.max_trailer_bytes) {
            fail(IcapError::BadChunk, "trailers over max_trailer_bytes");
            return i;
        }
        trailer_bytes_ += trailer_line_ + 1;
        trailer_line_ = 0;
        trailer_line_cr_ = false;
    }
    return i;
}

void IcapRequestParser::finishLastChunk() noexcept {
    if (!in_preview_) return endRequest(true); // ieof outside a preview: tolerated, no meaning
    in_preview_ = false;
    if (last_chunk_ieof_) {
        events_.onPreviewEnd(true);
        return endRequest(true);
    }
    // Set before the call: the server may decide inside onPreviewEnd.
    state_ = State::AwaitingPreviewDecision;
    events_.onPreviewEnd(false);
}

void IcapRequestParser::endRequest(bool notify) noexcept {
    state_ = State::IcapHead;
    started_ = false;
    request_line_ = false;
    in_preview_ = false;
    header_bytes_ = 0;
    line_start_ = 0;
    buf_.clear();
    if (buf_.capacity() > kKeptBufferCapacity) std::string().swap(buf_);
    if (notify) events_.onRequestEnd();
}

void IcapRequestParser::fail(IcapError error, std::string_view reason) noexcept {
    state_ = State::Failed;
    std::string().swap(buf_);
    events_.onError(error, reason);
}

} // namespace egressmon::icap
