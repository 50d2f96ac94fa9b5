#include "dpi/content/content_percent_decoder.h"

#include "dpi/content/hex_digit.h"

namespace egressmon::dpi {

void PercentDecoder::decode(const uint8_t* data, size_t len, std::string& out) {
    for (size_t i = 0; i < len; ++i) {
        const uint8_t c = data[i];
        if (held_ == 1) {
            if (hexDigitValue(c) >= 0) {
                first_hex_ = c;
                held_ = 2;
                continue;
            }
            out.push_back('%');
            held_ = 0; // and `c` is handled below as an ordinary byte
        } else if (held_ == 2) {
            const int lo = hexDigitValue(c);
            if (lo >= 0) {
                out.push_back(static_cast<char>(hexDigitValue(first_hex_) * 16 + lo));
                held_ = 0;
                continue;
            }
            out.push_back('%');
            out.push_back(static_cast<char>(first_hex_));
            held_ = 0;
        }
        if (c == '%') {
            held_ = 1;
        } else if (c == '+' &&
                   (plus_ == Plus::Space || (plus_ == Plus::SpaceAfterQuery && in_query_))) {
            out.push_back(' ');
        } else {
            if (c == '?') in_query_ = true;
            out.push_back(static_cast<char>(c));
        }
    }
}

void PercentDecoder::finish(std::string& out) {
    if (held_ >= 1) out.push_back('%');
    if (held_ == 2) out.push_back(static_cast<char>(first_hex_));
    held_ = 0;
}

} // namespace egressmon::dpi
