#include "dpi/decode/smtp/smtp_decoder.h"

// Call flow: onData runs the command state machine. A command line is buffered (bounded); DATA
// switches to the dot-unstuffing states, which pass each message line on as it arrives (a line
// start holds at most ".\r"), and BDAT to counting its chunk. Message bytes go to the
// "smtp.data" layer, the root of a layer tree whose kind (Message) routes it to the MIME
// transform (dpi/transform/): its leaf parts become "smtp.mime.*" layers, each begun on its
// first decoded byte. STARTTLS switches to
// StarttlsWait, which asks the SmtpPairing (else the client's next line) whether to go on; a
// gap in the command phase to Resync, which buffers lines like Command and takes the first
// plausible command. SmtpReplyDecoder, at the end, reads the other direction's reply lines.

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>

#include "dpi/decode/line_bound.h"
#include "dpi/decode/smtp/smtp_command.h"
#include "dpi/transform/layer_node.h"
#include "dpi/transform/transform_registry.h"

namespace egressmon::dpi {

namespace {

bool isCommandByte(uint8_t c) noexcept {
    return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n';
}

} // namespace

struct SmtpDecoder::Impl final {
    enum class State : uint8_t {
        Command,
        DataLineStart,
        DataDot,
        DataDotCr,
        DataLine,
        Bdat,
        StarttlsWait, // after STARTTLS: TLS or clear text follows
        Resync,       // after a gap in the command phase: skipping to a plausible command
        Stopped
    };

    Impl(const SmtpDecoderLimits& l, SmtpDecoderCounters& c, SmtpPairing* p,
         const FileDecoding& files)
        : limits(l), counters(c), pairing(p != nullptr ? *p : own_pairing) {
        transforms.files = files;
        transforms.limits.mime = MimeLimits{l.max_line_bytes, l.max_header_bytes, l.max_mime_depth};
        transforms.registry = transformsFor(files);
    }

    void feed(const uint8_t* data, size_t len);
    size_t feedCommand(const uint8_t* data, size_t len);
    size_t feedLine(const uint8_t* data, size_t len, bool& complete);
    size_t feedStarttlsWait(const uint8_t* data, size_t len);
    size_t feedResync(const uint8_t* data, size_t len);
    void command();
    void starttls();
    void resumeAfterStarttls();
    void gap(uint64_t missing);
    size_t feedData(const uint8_t* data, size_t len);
    void beginMessage();
    void content(const uint8_t* data, size_t len);
    void endMessage(bool flush);
    void stop(uint64_t& counter);
    void fold() noexcept;

    SmtpDecoderLimits limits;
    SmtpDecoderCounters& counters;
    SmtpPairing own_pairing; // when no pairing is shared: no reply is ever known
    SmtpPairing& pairing;
    DecodedLayerSink* sink = nullptr; // valid during a call (also in transforms.sink)
    uint64_t resync_bytes = 0;        // Resync: bytes of the lines skipped since the gap
    uint64_t resync_line = 0;         // Resync: bytes of the line being read (no LF)
    State state = State::Command;
    std::string line;     // command line, bounded
    LineBound line_bound; // of line, at max_line_bytes
    bool seen_command = false;
    bool in_message = false;
    uint64_t bdat_left = 0;
    bool bdat_last = false;
    TransformContext transforms;
    LayerNode message; // "smtp.data": the message as sent, root of its layer tree
};

// The MIME transform's counts, under the names operators know from SMTP.
void SmtpDecoder::Impl::fold() noexcept {
    TransformCounters& t = transforms.counters;
    counters.mime_parts += t.mime_parts;
    counters.line_too_long += t.mime_line_overflows;
    counters.header_too_large += t.mime_header_overflows;
    counters.mime_too_deep += t.mime_depth_overflows;
    counters.transforms_refused += t.transforms_refused;
    transforms.foldFileCounts();
    t = TransformCounters{};
}

void SmtpDecoder::Impl::stop(uint64_t& counter) {
    ++counter;
    if (in_message) endMessage(false);
    state = State::Stopped;
    line = std::string();
}

void SmtpDecoder::Impl::beginMessage() {
    ++counters.messages;
    in_message = true;
    LayerInfo info;
    info.type = "smtp.data";
    info.family = LayerFamily::Smtp;
    info.kind = ContentKind::Message;
    transforms.sink = sink;
    message.prepare(transforms, info, kNoLayer);
}

void SmtpDecoder::Impl::content(const uint8_t* data, size_t len) {
    if (len == 0) return;
    transforms.sink = sink;
    message.data(data, len); // folded once per delivery (onData), not per line
}

void SmtpDecoder::Impl::endMessage(bool flush) {
    transforms.sink = sink;
    if (flush) {
        message.finish();
    } else {
        message.abort();
    }
    fold();
    in_message = false;
}

void SmtpDecoder::Impl::feed(const uint8_t* data, size_t len) {
    size_t i = 0;
    while (i < len) {
        switch (state) {
        case State::Stopped: return;
        case State::Command: i += feedCommand(data + i, len - i); break;
        case State::StarttlsWait: i += feedStarttlsWait(data + i, len - i); break;
        case State::Resync: i += feedResync(data + i, len - i); break;
        case State::Bdat: {
            const size_t n = bdat_left < len - i ? static_cast<size_t>(bdat_left) : len - i;
            content(data + i, n);
            i += n;
            bdat_left -= n;
            if (bdat_left == 0) {
                if (bdat_last) endMessage(true);
                state = State::Command;
            }
            break;
        }
        default: i += feedData(data + i, len - i); break;
        }
    }
}

// Up to and including the next LF into `line` (bounded); `complete` when the LF was reached.
size_t SmtpDecoder::Impl::feedLine(const uint8_t* data, size_t len, bool& complete) {
    const auto* lf = static_cast<const uint8_t*>(std::memchr(data, '\n', len));
    const size_t n = lf != nullptr ? static_cast<size_t>(lf - data) + 1 : len;
    const size_t text = lf != nullptr ? n - 1 : n;
    line_bound.append(line, data, text, limits.max_line_bytes);
    complete = lf != nullptr;
    if (complete && line_bound.end()) ++counters.line_too_long;
    return n;
}

size_t SmtpDecoder::Impl::feedCommand(const uint8_t* data, size_t len) {
    if (!seen_command) {
        const auto* lf = static_cast<const uint8_t*>(std::memchr(data, '\n', len));
        const size_t n = lf != nullptr ? static_cast<size_t>(lf - data) + 1 : len;
        for (size_t k = 0; k < n; ++k) {
            if (!isCommandByte(data[k])) {
                stop(counters.parse_errors);
                return len;
            }
        }
    }
    bool complete = false;
    const size_t n = feedLine(data, len, complete);
    if (complete) {
        command();
        line.clear();
    }
    return n;
}

// After STARTTLS. The server's answer decides when known; else the client's next line: a byte
// no command line has (a TLS record's 0x16 first) means TLS, a plausible command clear text.
size_t SmtpDecoder::Impl::feedStarttlsWait(const uint8_t* data, size_t len) {
    const uint16_t code = pairing.starttls_code;
    if (code == 220) {
        stop(counters.starttls);
        return len;
    }
    if (code >= 400) {
        resumeAfterStarttls(); // the line read so far goes on as a command line
        return 0;
    }
    const auto* lf = static_cast<const uint8_t*>(std::memchr(data, '\n', len));
    const size_t end = lf != nullptr ? static_cast<size_t>(lf - data) + 1 : len;
    for (size_t k = 0; k < end; ++k) {
        if (!isCommandByte(data[k])) {
            stop(counters.starttls);
            return len;
        }
    }
    bool complete = false;
    const size_t n = feedLine(data, len, complete);
    if (!complete) return n;
    if (!plausibleSmtpCommand(line)) {
        stop(counters.starttls);
        return len;
    }
    resumeAfterStarttls();
    command();
    line.clear();
    return n;
}

void SmtpDecoder::Impl::resumeAfterStarttls() {
    ++counters.starttls_refused;
    pairing.starttls_at = 0;
    state = State::Command;
}

// After a gap in the command phase: lines are read as commands are (bounded) and skipped up to
// the first plausible command, which is taken. A line cut at max_line_bytes is skipped too, so
// its bytes count as skipped as they come; a shorter one only once its end shows it is no
// command. More than max_resync_bytes skipped stops decoding, whatever the split of the input.
size_t SmtpDecoder::Impl::feedResync(const uint8_t* data, size_t len) {
    const auto* lf = static_cast<const uint8_t*>(std::memchr(data, '\n', len));
    const size_t text = lf != nullptr ? static_cast<size_t>(lf - data) : len;
    resync_line += text;
    const bool cut = resync_line > uint64_t(limits.max_line_bytes) + 1; // CR of CRLF allowed
    if (cut && resync_bytes + resync_line > limits.max_resync_bytes) {
        stop(counters.resync_failures);
        return len;
    }
    bool complete = false;
    const size_t n = feedLine(data, len, complete);
    if (!complete) return n;
    if (!cut && plausibleSmtpCommand(line)) {
        ++counters.resyncs;
        state = State::Command;
        resync_bytes = resync_line = 0;
        command();
        line.clear();
        return n;
    }
    resync_bytes += resync_line + 1;
    resync_line = 0;
    line.clear();
    if (resync_bytes > limits.max_resync_bytes) {
        stop(counters.resync_failures);
        return len;
    }
    return n;
}

void SmtpDecoder::Impl::command() {
    ++pairing.awaited; // every client line in the command phase gets one reply
    const SmtpCommand cmd = parseSmtpCommand(line);
    if (cmd.verb == SmtpVerb::Unknown) {
        if (!seen_command) stop(counters.parse_errors);
        return; // AUTH continuations, extensions: nothing to decode
    }
    seen_command = true;
    switch (cmd.verb) {
    case SmtpVerb::Data:
        if (in_message) endMessage(true); // an unfinished BDAT message
        beginMessage();
        state = State::DataLineStart;
        break;
    case SmtpVerb::Bdat:
        if (!cmd.bdat_valid) {
            stop(counters.parse_errors); // the chunk cannot be framed
            return;
        }
        if (!in_message) beginMessage();
        bdat_left = cmd.bdat_size;
        bdat_last = cmd.bdat_last;
        if (bdat_left > 0) {
            state = State::Bdat;
        } else if (bdat_last) {
            endMessage(true);
        }
        break;
    case SmtpVerb::Rset:
        if (in_message) endMessage(true);
        break;
    case SmtpVerb::Starttls: starttls(); break;
    case SmtpVerb::Unknown:
    case SmtpVerb::Other: break;
    }
}

void SmtpDecoder::Impl::starttls() {
    SmtpPairing& p = pairing;
    p.starttls_at = p.awaited;
    p.starttls_after = p.replies;
    p.starttls_code = 0;
    // The server direction may be ahead: its answer is then among the recent replies.
    if (!p.lost && p.replies >= p.starttls_at && p.replies - p.starttls_at < SmtpPairing::kRecent)
        p.starttls_code = p.recent[(p.starttls_at - 1) % SmtpPairing::kRecent];
    state = State::StarttlsWait;
}

void SmtpDecoder::Impl::gap(uint64_t missing) {
    ++counters.gaps;
    pairing.lost = true;
    const auto toResync = [&] {
        if (state != State::Resync) resync_bytes = 0;
        resync_line = 0;
        line.clear();
        line_bound.reset();
        state = State::Resync;
    };
    const auto messageGap = [&](uint64_t n) {
        if (n == 0) return;
        transforms.sink = sink;
        message.gap(n);
        fold();
    };
    switch (state) {
    case State::Stopped: return;
    case State::DataLineStart:
    case State::DataDot:
    case State::DataDotCr:
    case State::DataLine:
        // The line cut by the hole goes on as content, and its first bytes may still be the
        // final "."; the MIME parser skips it.
        messageGap(missing);
        state = State::DataLineStart;
        ++counters.resyncs;
        return;
    case State::Bdat:
        if (missing <= bdat_left) { // the chunk's count still frames it
            messageGap(missing);
            bdat_left -= missing;
            ++counters.resyncs;
            if (bdat_left == 0) {
                if (bdat_last) endMessage(true);
                state = State::Command;
            }
            return;
        }
        messageGap(bdat_left); // the hole ate the chunk's end and command bytes after it
        bdat_left = 0;
        if (bdat_last) endMessage(true);
        toResync();
        return;
    case State::StarttlsWait:
        if (pairing.starttls_code == 220) {
            stop(counters.starttls);
            return;
        }
        toResync();
        return;
    case State::Command:
    case State::Resync:
        if (in_message) messageGap(missing); // between BDAT chunks: a chunk may be lost
        toResync();
        return;
    }
}

// Dot-unstuffing (RFC 5321 4.5.2): a leading '.' is removed; a line of "." alone ends the data.
size_t SmtpDecoder::Impl::feedData(const uint8_t* data, size_t len) {
    static const uint8_t kCr = '\r';
    size_t i = 0;
    while (i < len) {
        const uint8_t c = data[i];
        switch (state) {
        case State::DataLineStart:
            if (c == '.') {
                state = State::DataDot;
                ++i;
            } else {
                state = State::DataLine;
            }
            break;
        case State::DataDot:
            if (c == '\r') {
                state = State::DataDotCr;
                ++i;
            } else if (c == '\n') {
                endMessage(true);
                ++pairing.awaited; // the message's end gets a reply
                state = State::Command;
                return i + 1;
            } else {
                state = State::DataLine; // the dot is dropped, c is content
            }
            break;
        case State::DataDotCr:
            if (c == '\n') {
                endMessage(true);
                ++pairing.awaited;
                state = State::Command;
                return i + 1;
            }
            content(&kCr, 1);
            state = State::DataLine;
            break;
        case State::DataLine: {
            const auto* lf = static_cast<const uint8_t*>(std::memchr(data + i, '\n', len - i));
            const size_t end = lf != nullptr ? static_cast<size_t>(lf - data) + 1 : len;
            content(data + i, end - i);
            i = end;
            if (lf != nullptr) state = State::DataLineStart;
            break;
        }
        default: return i;
        }
    }
    return i;
}

SmtpDecoder::SmtpDecoder(const SmtpDecoderLimits& limits, SmtpDecoderCounters& counters,
                         SmtpPairing* pairing, const FileDecoding& files)
    : impl_(std::make_unique<Impl>(limits, counters, pairing, files)) {}

SmtpDecoder::~SmtpDecoder() = default;

void SmtpDecoder::onData(const uint8_t* data, uint32_t len, DecodedLayerSink& sink) noexcept {
    if (impl_->state == Impl::State::Stopped) return;
    impl_->sink = &sink;
    try {
        impl_->feed(data, len);
    } catch (const std::exception&) { // std::bad_alloc
        impl_->stop(impl_->counters.parse_errors);
    }
    impl_->fold(); // what the message's transforms counted during this delivery
}

void SmtpDecoder::onGap(uint64_t missing, DecodedLayerSink& sink) noexcept {
    if (impl_->state == Impl::State::Stopped || missing == 0) return;
    impl_->sink = &sink;
    try {
        impl_->gap(missing);
    } catch (const std::exception&) {
        impl_->stop(impl_->counters.parse_errors);
    }
}

void SmtpDecoder::onEnd(DecodedLayerSink& sink) noexcept {
    if (impl_->state == Impl::State::Stopped) return;
    impl_->sink = &sink;
    try {
        if (impl_->state == Impl::State::StarttlsWait) { // no clear-text line came after it
            const uint16_t code = impl_->pairing.starttls_code;
            ++(code >= 400 ? impl_->counters.starttls_refused : impl_->counters.starttls);
        }
        if (impl_->in_message) impl_->endMessage(true);
    } catch (const std::exception&) {
        impl_->stop(impl_->counters.parse_errors);
        return;
    }
    impl_->state = Impl::State::Stopped;
}

bool SmtpDecoder::stopped() const noexcept {
    return impl_->state == Impl::State::Stopped;
}

// SmtpReplyDecoder: per line, the first four bytes ("250-", "250 ", "250\r") are kept in head_,
// the rest is skipped to the LF; a line whose separator is not '-' completes a reply.

namespace {

bool isDigit(char c) noexcept {
    return c >= '0' && c <= '9';
}

} // namespace

void SmtpReplyDecoder::fail() noexcept {
    // Bytes that are not a reply line right after a pending STARTTLS are its TLS: no error.
    if (pairing_.starttls_at == 0) ++counters_.reply_errors;
    stopped_ = true;
}

void SmtpReplyDecoder::replyDone() noexcept {
    SmtpPairing& p = pairing_;
    const uint64_t n = ++p.replies;
    p.recent[(n - 1) % SmtpPairing::kRecent] = code_;
    if (p.starttls_at == 0 || p.starttls_code != 0) return;
    const bool answers =
        p.lost ? n > p.starttls_after && (code_ == 220 || code_ >= 400) : n == p.starttls_at;
    if (!answers) return;
    p.starttls_code = code_;
    if (code_ == 220) stopped_ = true; // TLS follows on this direction too
}

// The head of a line is complete (4 bytes, or a shorter line ended): a reply line or not.
void SmtpReplyDecoder::lineHead() noexcept {
    const bool code_ok = line_len_ >= 3 && head_[0] >= '2' && head_[0] <= '5' &&
                         isDigit(head_[1]) && isDigit(head_[2]);
    const char sep = line_len_ >= 4 ? head_[3] : '\n';
    if (!code_ok || (sep != ' ' && sep != '-' && sep != '\r' && sep != '\n')) {
        fail();
        return;
    }
    code_ =
        static_cast<uint16_t>((head_[0] - '0') * 100 + (head_[1] - '0') * 10 + (head_[2] - '0'));
    last_ = sep != '-';
}

void SmtpReplyDecoder::onData(const uint8_t* data, uint32_t len,
                              DecodedLayerSink& /*sink*/) noexcept {
    size_t i = 0;
    while (i < len && !stopped_) {
        if (skip_line_) { // past the head: to the LF, within the line bound
            const auto* lf = static_cast<const uint8_t*>(std::memchr(data + i, '\n', len - i));
            const size_t n = lf != nullptr ? static_cast<size_t>(lf - (data + i)) : len - i;
            line_len_ += static_cast<uint32_t>(std::min<size_t>(n, max_line_ + 2u));
            if (line_len_ > max_line_ + 1u) { // the CR of CRLF may pass the bound
                fail();
                return;
            }
            if (lf == nullptr) return;
            i += n + 1;
        } else {
            const char c = static_cast<char>(data[i++]);
            if (c != '\n') {
                head_[line_len_++] = c;
                if (line_len_ == sizeof head_) {
                    lineHead();
                    skip_line_ = true;
                }
                continue;
            }
            if (line_len_ > 0 && head_[line_len_ - 1] == '\r') --line_len_;
            lineHead(); // a line shorter than a head
            if (stopped_) return;
        }
        if (last_) replyDone();
        last_ = false;
        skip_line_ = false;
        line_len_ = 0;
    }
}

void SmtpReplyDecoder::onGap(uint64_t missing, DecodedLayerSink& /*sink*/) noexcept {
    if (stopped_ || missing == 0) return;
    pairing_.lost = true;
    if (!skip_line_) last_ = false; // a head cut by the hole is not read
    skip_line_ = true;              // nor the rest of the line
    line_len_ = 0;
}

void SmtpReplyDecoder::onEnd(DecodedLayerSink& /*sink*/) noexcept {
    stopped_ = true;
}

} // namespace egressmon::dpi
