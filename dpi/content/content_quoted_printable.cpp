#include "dpi/content/content_quoted_printable.h"

#include "dpi/content/hex_digit.h"

namespace egressmon::dpi {

void QuotedPrintableDecoder::decode(const uint8_t* data, size_t len, std::string& out) {
    for (size_t i = 0; i < len;) {
        const uint8_t c = data[i++];
        switch (state_) {
        case State::Text:
            if (c == '=') {
                state_ = State::Equals;
            } else {
                out.push_back(static_cast<char>(c));
            }
            continue;
        case State::Equals:
            if (hexDigitValue(c) >= 0) {
                first_hex_ = c;
                state_ = State::EqualsHex;
                continue;
            }
            if (c == '\r') {
                state_ = State::EqualsCr;
                continue;
            }
            if (c == '\n') { // soft line break without CR
                state_ = State::Text;
                continue;
            }
            out.push_back('=');
            break;
        case State::EqualsHex:
            if (hexDigitValue(c) >= 0) {
                out.push_back(static_cast<char>(hexDigitValue(first_hex_) * 16 + hexDigitValue(c)));
                state_ = State::Text;
                continue;
            }
            out.push_back('=');
            out.push_back(static_cast<char>(first_hex_));
            break;
        case State::EqualsCr:
            if (c == '\n') { // soft line break
                state_ = State::Text;
                continue;
            }
            out.push_back('=');
            out.push_back('\r');
            break;
        }
        // The held escape was malformed and has been output; `c` is handled afresh.
        state_ = State::Text;
        --i; // i >= 1: `c` was read at i - 1
    }
}

void QuotedPrintableDecoder::finish(std::string& out) {
    switch (state_) {
    case State::Text: break;
    case State::Equals: out.push_back('='); break;
    case State::EqualsHex:
        out.push_back('=');
        out.push_back(static_cast<char>(first_hex_));
        break;
    case State::EqualsCr: out.append("=\r"); break;
    }
    state_ = State::Text;
}

} // namespace egressmon::dpi
