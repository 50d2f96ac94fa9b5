#include "dpi/decode/http/http_multipart.h"

#include "dpi/decode/content_run.h"
#include "dpi/decode/http/http_message_parser.h"

namespace egressmon::dpi {

MultipartParser::MultipartParser(std::string_view boundary, uint32_t max_header_bytes)
    : max_header_bytes_(max_header_bytes) {
    delim_.reserve(boundary.size() + 3);
    delim_ = "\n--";
    delim_ += boundary;
}

void MultipartParser::emit(const uint8_t* data, size_t len, MultipartHandler& h) {
    switch (encoding_) {
    case TransferEncoding::Identity: h.partData(data, len); return;
    case TransferEncoding::Base64: base64_.decode(data, len, scratch_); break;
    case TransferEncoding::QuotedPrintable: qp_.decode(data, len, scratch_); break;
    }
    if (!scratch_.empty()) {
        h.partData(reinterpret_cast<const uint8_t*>(scratch_.data()), scratch_.size());
        scratch_.clear();
    }
}

void MultipartParser::releaseHeld(bool emitting, MultipartHandler& h) {
    if (emitting) {
        static const uint8_t cr = '\r';
        if (held_cr_) emit(&cr, 1, h);
        if (matched_ > 0) emit(reinterpret_cast<const uint8_t*>(delim_.data()), matched_, h);
    }
    held_cr_ = false;
    matched_ = 0;
}

size_t MultipartParser::matchDelimiter(const uint8_t* data, size_t len, bool emitting,
                                       MultipartHandler& h, bool& found) {
    found = false;
    size_t i = 0;
    while (i < len) {
        if (matched_ == 0) {
            // Fast path: everything up to a line break that could begin the delimiter (or up to
            // a CR the next chunk may complete) is content, emitted in one piece rather than
            // line by line; the per-byte path below then decides that line break.
            const size_t stop = contentRunBefore(data, i, len, std::string_view(delim_).substr(1));
            if (stop > i) {
                releaseHeld(emitting, h);
                if (emitting) emit(data + i, stop - i, h);
                i = stop;
                continue;
            }
            size_t j = i;
            while (j < len && data[j] != '\r' && data[j] != '\n')
                ++j;
            if (j > i) {
                releaseHeld(emitting, h);
                if (emitting) emit(data + i, j - i, h);
                i = j;
                continue;
            }
            if (data[i++] == '\r') {
                releaseHeld(emitting, h); // an earlier CR was content
                held_cr_ = true;
            } else {
                matched_ = 1; // LF
            }
            continue;
        }
        if (data[i] == static_cast<uint8_t>(delim_[matched_])) {
            ++i;
            if (++matched_ == delim_.size()) {
                matched_ = 0;
                held_cr_ = false;
                found = true;
                return i;
            }
            continue;
        }
        releaseHeld(emitting, h); // not a delimiter: the held bytes were content
    }
    return i;
}

void MultipartParser::headerLine(MultipartHandler& h) {
    std::string_view line = line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
        state_ = State::Body;
        matched_ = 0;
        held_cr_ = false;
        base64_.reset();
        qp_.reset();
        h.partBegin();
        return;
    }
    const auto colon = line.find(':');
    if (colon != std::string_view::npos &&
        equalsNoCase(trimWhitespace(line.substr(0, colon)), "content-transfer-encoding")) {
        const std::string_view v = trimWhitespace(line.substr(colon + 1));
        if (equalsNoCase(v, "base64")) {
            encoding_ = TransferEncoding::Base64;
        } else if (equalsNoCase(v, "quoted-printable")) {
            encoding_ = TransferEncoding::QuotedPrintable;
        } else {
            encoding_ = TransferEncoding::Identity;
        }
    }
    line_.clear();
}

void MultipartParser::endPart(MultipartHandler& h) {
    switch (encoding_) {
    case TransferEncoding::Identity: break;
    case TransferEncoding::Base64: base64_.finish(scratch_); break;
    case TransferEncoding::QuotedPrintable: qp_.finish(scratch_); break;
    }
    if (!scratch_.empty()) {
        h.partData(reinterpret_cast<const uint8_t*>(scratch_.data()), scratch_.size());
        scratch_.clear();
    }
    h.partEnd();
}

void MultipartParser::feed(const uint8_t* data, size_t len, MultipartHandler& h) {
    size_t i = 0;
    while (i < len) {
        bool found = false;
        switch (state_) {
        case State::Preamble:
        case State::Body: {
            const bool in_body = state_ == State::Body;
            i += matchDelimiter(data + i, len - i, in_body, h, found);
            if (found) {
                if (in_body) endPart(h);
                state_ = State::AfterDelim;
            }
            break;
        }
        case State::AfterDelim:
        case State::AfterDelimDash: {
            const uint8_t c = data[i++];
            if (c == '-') {
                state_ = state_ == State::AfterDelim ? State::AfterDelimDash : State::Epilogue;
            } else if (c == '\n') {
                state_ = State::Headers;
            } else {
                state_ = State::Padding;
            }
            if (state_ == State::Headers) {
                line_.clear();
                header_bytes_ = 0;
                encoding_ = TransferEncoding::Identity;
            }
            break;
        }
        case State::Padding:
            if (data[i++] == '\n') {
                state_ = State::Headers;
                line_.clear();
                header_bytes_ = 0;
                encoding_ = TransferEncoding::Identity;
            }
            break;
        case State::Headers: {
            const uint8_t c = data[i++];
            if (++header_bytes_ > max_header_bytes_) {
                state_ = State::Failed;
                break;
            }
            if (c == '\n') {
                headerLine(h);
            } else if (line_.size() < kMaxHeaderLine) {
                line_.push_back(static_cast<char>(c));
            }
            break;
        }
        case State::Epilogue:
        case State::Failed: return;
        }
    }
}

void MultipartParser::finish(MultipartHandler& h) {
    if (state_ == State::Body) {
        releaseHeld(true, h);
        endPart(h);
    }
    state_ = State::Epilogue;
}

bool MultipartParser::gap(uint64_t missing, MultipartHandler& h) {
    // Bytes held as a possible delimiter prefix are dropped with the hole: what follows it
    // cannot complete them.
    held_cr_ = false;
    matched_ = 0;
    bool cut = false;
    switch (state_) {
    case State::Body:
        if (encoding_ != TransferEncoding::Base64) {
            qp_.reset(); // a held '=' escape or soft break cannot be completed across the hole
            h.partGap(missing);
            return false;
        }
        h.partEnd(); // what is held in the base64 decoder is not flushed
        cut = true;
        break;
    case State::Epilogue:
    case State::Failed: return false;
    default: break;
    }
    // Resynchronise at the next delimiter, which may begin right after the hole (as the first
    // one may begin the body): skipped like a preamble, a line start assumed.
    state_ = State::Preamble;
    matched_ = 1;
    line_.clear();
    return cut;
}

void MultipartParser::abort(MultipartHandler& h) {
    if (state_ == State::Body) h.partEnd();
    state_ = State::Epilogue;
}

} // namespace egressmon::dpi
