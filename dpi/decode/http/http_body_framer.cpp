#include "dpi/decode/http/http_body_framer.h"

#include <algorithm>

#include "dpi/content/hex_digit.h"

namespace egressmon::dpi {

void HttpBodyFramer::start(Mode mode, uint64_t length) noexcept {
    mode_ = mode;
    remaining_ = mode == Mode::Chunked ? 0 : length;
    digits_ = 0;
    line_len_ = 0;
    trailer_bytes_ = 0;
    state_ = mode == Mode::Chunked ? State::ChunkSize : State::Data;
    if (mode == Mode::Length && length == 0) state_ = State::Done;
}

HttpBodyFramer::GapStep HttpBodyFramer::gap(uint64_t missing) noexcept {
    GapStep g;
    if (state_ != State::Data) { // chunk framing, or nothing left to frame: lost
        g.resumes = false;
        state_ = State::Done;
        return g;
    }
    if (mode_ == Mode::UntilClose || missing < remaining_) {
        if (mode_ != Mode::UntilClose) remaining_ -= missing;
        g.body = missing;
        g.resumes = true;
        return g;
    }
    g.body = remaining_;
    remaining_ = 0;
    if (missing == g.body) { // the hole ends with the body (Length) or the chunk's data
        g.resumes = true;
        state_ = mode_ == Mode::Chunked ? State::ChunkDataCr : State::Done;
        g.done = state_ == State::Done;
        return g;
    }
    state_ = State::Done; // the hole runs past the body (or chunk): the framing is lost
    return g;
}

HttpBodyFramer::Step HttpBodyFramer::step(const uint8_t* data, size_t len) noexcept {
    Step s;
    size_t i = 0;
    while (i < len && state_ != State::Done) {
        const uint8_t c = data[i];
        switch (state_) {
        case State::Data: {
            size_t n = len - i;
            if (mode_ != Mode::UntilClose)
                n = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
            s.body = data + i;
            s.body_len = n;
            i += n;
            if (mode_ != Mode::UntilClose) {
                remaining_ -= n;
                if (remaining_ == 0) {
                    state_ = mode_ == Mode::Chunked ? State::ChunkDataCr : State::Done;
                }
            }
            s.consumed = i;
            s.done = state_ == State::Done;
            return s;
        }
        case State::ChunkSize: {
            const int v = hexDigitValue(c);
            if (v >= 0) {
                if (++digits_ > 15) { // over 2^60: nonsense
                    s.error = true;
                    return s;
                }
                remaining_ = remaining_ * 16 + static_cast<uint64_t>(v);
                ++i;
                break;
            }
            if (digits_ == 0) {
                s.error = true;
                return s;
            }
            state_ = State::ChunkExt; // ';' extensions, whitespace, CR: all up to LF
            line_len_ = digits_;
            break; // `c` handled in ChunkExt
        }
        case State::ChunkExt:
            ++i;
            if (c == '\n') {
                digits_ = 0;
                line_len_ = 0;
                state_ = remaining_ == 0 ? State::Trailer : State::Data;
            } else if (++line_len_ > kMaxLine) {
                s.error = true;
                return s;
            }
            break;
        case State::ChunkDataCr:
            ++i;
            if (c == '\r') {
                state_ = State::ChunkDataLf;
            } else if (c == '\n') {
                state_ = State::ChunkSize;
            } else {
                s.error = true;
                return s;
            }
            break;
        case State::ChunkDataLf:
            ++i;
            if (c != '\n') {
                s.error = true;
                return s;
            }
            state_ = State::ChunkSize;
            break;
        case State::Trailer:
            ++i;
            if (c == '\n') {
                if (line_len_ == 0) state_ = State::Done;
                line_len_ = 0;
            } else if (c != '\r' || line_len_ > 0) {
                ++line_len_;
            }
            if (++trailer_bytes_ > max_trailer_bytes_) {
                s.error = true;
                s.trailer_too_large = true;
                return s;
            }
            break;
        case State::Done: break;
        }
    }
    s.consumed = i;
    s.done = state_ == State::Done;
    return s;
}

} // namespace egressmon::dpi
