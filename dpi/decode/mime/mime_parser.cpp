#include "dpi/decode/mime/mime_parser.h"

#include <cstring>

namespace egressmon::dpi {

namespace {

const uint8_t kCrLf[] = {'\r', '\n'};

} // namespace

MimeParser::MimeParser(const MimeLimits& limits, std::string_view boundary)
    : limits_(clamped(limits)), mode_(Mode::Skip), top_(false) {
    frames_.push_back("--" + std::string(boundary));
}

void MimeParser::feed(const uint8_t* data, size_t len, MimeHandler& h) {
    size_t i = 0;
    while (i < len && mode_ != Mode::Done) {
        switch (line_state_) {
        case Line::Rest: {
            const void* lf = std::memchr(data + i, '\n', len - i);
            if (lf == nullptr) return;
            i = static_cast<size_t>(static_cast<const uint8_t*>(lf) - data) + 1;
            line_state_ = Line::Start;
            continue;
        }
        case Line::DelimTail:
        case Line::DelimDash: {
            // After "--boundary": "--" closes, padding or the line end delimits, anything else
            // means the line was content after all (another boundary may start the same way).
            const uint8_t c = data[i];
            const bool dash = c == '-';
            const bool blank = c == '\n' || c == '\r' || c == ' ' || c == '\t';
            if (line_state_ == Line::DelimTail && dash) {
                hold_.push_back('-');
                line_state_ = Line::DelimDash;
                ++i;
                continue;
            }
            if (!blank && !(line_state_ == Line::DelimDash && dash)) {
                if (after_gap_ &&
                    !(mode_ == Mode::Leaf && info_.encoding != MimeEncoding::Base64)) {
                    after_gap_ = false; // as for any other line after a hole: skipped
                    hold_.clear();
                    line_state_ = Line::Rest;
                    continue;
                }
                after_gap_ = false;
                flushHeld(h);
                line_state_ = Line::Inside;
                continue;
            }
            ++i;
            line_state_ = c == '\n' ? Line::Start : Line::Rest;
            delimiter(delim_frame_, dash, h);
            continue;
        }
        case Line::Start:
        case Line::Inside: break;
        }
        if (mode_ == Mode::Headers) {
            i += feedHeaders(data + i, len - i, h);
        } else {
            i += feedBody(data + i, len - i, h);
        }
    }
}

size_t MimeParser::feedHeaders(const uint8_t* data, size_t len, MimeHandler& h) {
    const auto* lf = static_cast<const uint8_t*>(std::memchr(data, '\n', len));
    const size_t n = lf != nullptr ? static_cast<size_t>(lf - data) + 1 : len;
    const size_t text = lf != nullptr ? n - 1 : n;
    header_bytes_ += n;
    line_bound_.append(line_, data, text, limits_.max_line_bytes);
    if (lf != nullptr) {
        if (line_bound_.end()) ++line_overflows_;
        headerLine(h);
    }
    return n;
}

int MimeParser::delimiterIn(std::string_view line) const noexcept {
    for (size_t k = frames_.size(); k-- > 0;) {
        if (line.substr(0, frames_[k].size()) != frames_[k]) continue;
        const std::string_view rest = line.substr(frames_[k].size());
        if (rest.substr(0, 2) == "--" || mimeTrim(rest).empty()) return static_cast<int>(k);
    }
    return -1;
}

void MimeParser::headerLine(MimeHandler& h) {
    std::string_view line = line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (after_gap_) { // the first line after a hole: a delimiter, or the rest of a cut field
        after_gap_ = false;
        const int k = delimiterIn(line);
        if (k >= 0) {
            const bool closing = line.substr(frames_[static_cast<size_t>(k)].size(), 2) == "--";
            line_.clear();
            delimiter(static_cast<size_t>(k), closing, h);
            return;
        }
        // Else it is taken for the rest of the line the hole cut (even when empty: the usual
        // case is a hole inside a line), not applied as a field.
        line_.clear();
        line_bound_.reset();
        return;
    }
    if (line.empty()) {
        endHeaders();
        return;
    }
    const bool within = header_bytes_ <= limits_.max_header_bytes;
    if (!within && !header_overflow_) {
        header_overflow_ = true;
        ++header_overflows_;
    }
    if (line.front() == ' ' || line.front() == '\t') {
        if (within && !field_.empty()) {
            const size_t room =
                field_.size() < limits_.max_line_bytes ? limits_.max_line_bytes - field_.size() : 0;
            field_.append(line.substr(0, room));
            if (line.size() > room && !field_overflow_) { // the unfolded field is cut
                field_overflow_ = true;
                ++line_overflows_;
            }
        }
        line_.clear();
        return;
    }
    const int k = delimiterIn(line);
    if (k >= 0) { // a part with no blank line after its headers: it ends empty
        const std::string_view rest = line.substr(frames_[static_cast<size_t>(k)].size());
        const bool closing = rest.substr(0, 2) == "--";
        line_.clear();
        delimiter(static_cast<size_t>(k), closing, h);
        return;
    }
    applyMimeHeaderField(field_, info_);
    field_.clear();
    field_overflow_ = false;
    if (within) field_.assign(line);
    line_.clear();
}

void MimeParser::endHeaders() {
    applyMimeHeaderField(field_, info_);
    field_.clear();
    field_overflow_ = false;
    line_.clear();
    hold_.clear();
    eol_len_ = 0;
    cr_held_ = false;
    line_state_ = Line::Start;
    const bool was_top = top_;
    top_ = false;
    if (info_.multipart && frames_.size() < limits_.max_depth) {
        frames_.push_back("--" + info_.boundary);
        mode_ = Mode::Skip; // preamble
        return;
    }
    // Too deep: the multipart is not split but decoded as one leaf, boundaries and all.
    if (info_.multipart) ++depth_overflows_;
    if (was_top && (info_.multipart || info_.encoding == MimeEncoding::Identity)) {
        mode_ = Mode::Done; // the message body is the message itself: no leaf
        return;
    }
    mode_ = Mode::Leaf;
    base64_.reset();
    qp_.reset();
}

void MimeParser::delimiter(size_t frame, bool closing, MimeHandler& h) {
    after_gap_ = false;
    if (mode_ == Mode::Leaf) endLeaf(true, h);
    frames_.resize(frame + 1); // inner multiparts left open end here
    hold_.clear();
    eol_len_ = 0; // the terminator before a delimiter belongs to it
    cr_held_ = false;
    if (closing) {
        frames_.pop_back();
        mode_ = frames_.empty() ? Mode::Done : Mode::Skip; // epilogue
        return;
    }
    mode_ = Mode::Headers;
    info_ = MimeEntityInfo();
    line_.clear();
    field_.clear();
    field_overflow_ = false;
    line_bound_.reset();
    header_bytes_ = 0;
    header_overflow_ = false;
}

size_t MimeParser::feedBody(const uint8_t* data, size_t len, MimeHandler& h) {
    size_t i = 0;
    while (i < len) {
        if (line_state_ == Line::Start) {
            // The frames whose delimiter the held line start still matches: each byte is
            // compared once per candidate (an attacker picks the boundaries and the nesting, so
            // re-comparing the whole held prefix per byte would be quadratic).
            if (hold_.empty()) candidates_ = allFrames();
            const size_t at = hold_.size();
            const char c = static_cast<char>(data[i]);
            hold_.push_back(c);
            bool prefix = false;
            for (size_t k = frames_.size(); k-- > 0;) {
                const uint64_t bit = uint64_t{1} << k;
                if ((candidates_ & bit) == 0) continue;
                const std::string& d = frames_[k];
                if (d.size() <= at || d[at] != c) {
                    candidates_ &= ~bit;
                    continue;
                }
                if (d.size() == hold_.size()) { // held until the next byte confirms it
                    delim_frame_ = k;
                    line_state_ = Line::DelimTail;
                    return i + 1;
                }
                prefix = true;
            }
            if (prefix) {
                ++i;
                continue;
            }
            hold_.pop_back();
            if (after_gap_ && !(mode_ == Mode::Leaf && info_.encoding != MimeEncoding::Base64)) {
                // Not a delimiter right after the hole: the rest of the cut line is skipped
                // (base64 quanta realign at the next line; preamble and epilogue are unused).
                after_gap_ = false;
                hold_.clear();
                line_state_ = Line::Rest;
                return i;
            }
            after_gap_ = false; // identity or quoted-printable content goes on mid-line
            flushHeld(h);
            line_state_ = Line::Inside;
            continue;
        }
        if (line_state_ != Line::Inside) return i;
        // Fast path: lines whose successor cannot be a delimiter (every delimiter line starts
        // with "--") are content together with their line breaks, decoded in one piece rather
        // than line by line; the per-byte path below takes the line break that may end the part.
        const size_t stop = contentRunBefore(data, i, len, "--");
        if (stop > i) {
            if (cr_held_) content(kCrLf, 1, h);
            cr_held_ = false;
            content(data + i, stop - i, h);
            i = stop;
            continue;
        }
        size_t j = i;
        while (j < len && data[j] != '\r' && data[j] != '\n')
            ++j;
        if (j > i || data[i] == '\r') {
            if (cr_held_) content(kCrLf, 1, h);
            cr_held_ = false;
        }
        if (j > i) {
            content(data + i, j - i, h);
            i = j;
            continue;
        }
        if (data[i++] == '\r') {
            cr_held_ = true;
            continue;
        }
        eol_len_ = cr_held_ ? 2 : 1;
        cr_held_ = false;
        line_state_ = Line::Start;
    }
    return i;
}

void MimeParser::content(const uint8_t* data, size_t len, MimeHandler& h) {
    if (mode_ != Mode::Leaf || len == 0) return;
    switch (info_.encoding) {
    case MimeEncoding::Identity: h.partData(info_.encoding, data, len); return;
    case MimeEncoding::Base64: base64_.decode(data, len, scratch_); break;
    case MimeEncoding::QuotedPrintable: qp_.decode(data, len, scratch_); break;
    }
    if (!scratch_.empty()) {
        h.partData(info_.encoding, reinterpret_cast<const uint8_t*>(scratch_.data()),
                   scratch_.size());
        scratch_.clear();
    }
}

void MimeParser::flushHeld(MimeHandler& h) {
    if (eol_len_ > 0) content(eol_len_ == 2 ? kCrLf : kCrLf + 1, eol_len_, h);
    eol_len_ = 0;
    if (!hold_.empty()) content(reinterpret_cast<const uint8_t*>(hold_.data()), hold_.size(), h);
    hold_.clear();
}

void MimeParser::endLeaf(bool flush, MimeHandler& h) {
    if (flush) {
        switch (info_.encoding) {
        case MimeEncoding::Identity: break;
        case MimeEncoding::Base64: base64_.finish(scratch_); break;
        case MimeEncoding::QuotedPrintable: qp_.finish(scratch_); break;
        }
        if (!scratch_.empty()) {
            h.partData(info_.encoding, reinterpret_cast<const uint8_t*>(scratch_.data()),
                       scratch_.size());
            scratch_.clear();
        }
    }
    h.partEnd();
}

void MimeParser::finish(MimeHandler& h) {
    if (mode_ == Mode::Leaf) {
        // A last line with no terminator is content; a final terminator is dropped.
        if (line_state_ == Line::Start && !hold_.empty()) flushHeld(h);
        if (line_state_ == Line::Inside && cr_held_) content(kCrLf, 1, h);
        endLeaf(true, h);
    }
    mode_ = Mode::Done;
}

void MimeParser::gap(uint64_t missing, MimeHandler& h) {
    if (mode_ == Mode::Done || missing == 0) return;
    ++gaps_;
    hold_.clear();
    eol_len_ = 0;
    cr_held_ = false;
    line_state_ = Line::Rest;
    switch (mode_) {
    case Mode::Headers: // the line and the field it continues may be cut: neither is applied
        line_.clear();
        line_bound_.reset();
        field_.clear();
        field_overflow_ = false;
        after_gap_ = true; // the line after the hole may be a delimiter
        line_state_ = Line::Start;
        break;
    case Mode::Leaf:
        h.partGap(missing);
        base64_.reset();
        qp_.reset();
        after_gap_ = true;
        line_state_ = Line::Start; // a delimiter may follow the hole at once
        break;
    case Mode::Skip:
        after_gap_ = true;
        line_state_ = Line::Start;
        break;
    case Mode::Done: break;
    }
}

void MimeParser::abort(MimeHandler& h) {
    if (mode_ == Mode::Leaf) endLeaf(false, h);
    mode_ = Mode::Done;
}

} // namespace egressmon::dpi
