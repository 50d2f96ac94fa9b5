#include "smtp_decoder.h"

// Call flow: onData runs the command state machine. A command line is buffered (bounded); DATA
// switches to the dot-unstuffing states, which pass each message line on as it arrives (a line
// start holds at most ".\r"), and BDAT to counting its chunk. Message bytes go to the
// "smtp.data" layer and to the MimeParser, which hands leaf parts back through MimeHandler;
// those become "smtp.mime.*" layers, opened on their first decoded byte.

#include <cstring>
#include <exception>
#include <string>

#include "line_bound.h"
#include "mime_parser.h"
#include "smtp_command.h"

namespace egressmon::dpi {

namespace {

const char* layerName(MimeEncoding e) noexcept {
    switch (e) {
    case MimeEncoding::Base64: return "smtp.mime.base64";
    case MimeEncoding::QuotedPrintable: return "smtp.mime.qp";
    case MimeEncoding::Identity: break;
    }
    return "smtp.mime.part";
}

bool isCommandByte(uint8_t c) noexcept {
    return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n';
}

} // namespace

struct SmtpDecoder::Impl final : MimeHandler {
    enum class State : uint8_t {
        Command,
        DataLineStart,
        DataDot,
        DataDotCr,
        DataLine,
        Bdat,
        Stopped
    };

    Impl(const SmtpDecoderLimits& l, SmtpDecoderCounters& c)
        : limits(l), counters(c),
          mime(MimeLimits{l.max_line_bytes, l.max_header_bytes, l.max_mime_depth}) {}

    void feed(const uint8_t* data, size_t len);
    size_t feedCommand(const uint8_t* data, size_t len);
    void command();
    size_t feedData(const uint8_t* data, size_t len);
    void beginMessage();
    void content(const uint8_t* data, size_t len);
    void endMessage(bool flush);
    void stop(uint64_t& counter);
    void countMimeBounds() noexcept;

    void partData(MimeEncoding encoding, const uint8_t* data, size_t len) override {
        if (!part_open) {
            part_layer = sink->beginLayer(layerName(encoding));
            part_open = true;
            ++counters.mime_parts;
        }
        sink->layerData(part_layer, data, static_cast<uint32_t>(len));
    }
    void partEnd() override {
        if (part_open) sink->endLayer(part_layer);
        part_open = false;
    }

    SmtpDecoderLimits limits;
    SmtpDecoderCounters& counters;
    DecodedLayerSink* sink = nullptr; // valid during a call
    State state = State::Command;
    std::string line;     // command line, bounded
    LineBound line_bound; // of line, at max_line_bytes
    bool seen_command = false;
    bool in_message = false;
    LayerId data_layer = kNoLayer;
    bool part_open = false;
    LayerId part_layer = kNoLayer;
    uint64_t bdat_left = 0;
    bool bdat_last = false;
    MimeParser mime;
    // The MIME parser's bound counts already added to `counters` (it is replaced per message).
    uint64_t mime_lines_seen = 0, mime_headers_seen = 0, mime_depth_seen = 0;
};

void SmtpDecoder::Impl::countMimeBounds() noexcept {
    counters.line_too_long += mime.lineOverflows() - mime_lines_seen;
    counters.header_too_large += mime.headerOverflows() - mime_headers_seen;
    counters.mime_too_deep += mime.depthOverflows() - mime_depth_seen;
    mime_lines_seen = mime.lineOverflows();
    mime_headers_seen = mime.headerOverflows();
    mime_depth_seen = mime.depthOverflows();
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
    data_layer = sink->beginLayer("smtp.data");
    mime = MimeParser(
        MimeLimits{limits.max_line_bytes, limits.max_header_bytes, limits.max_mime_depth});
    mime_lines_seen = mime_headers_seen = mime_depth_seen = 0;
}

void SmtpDecoder::Impl::content(const uint8_t* data, size_t len) {
    if (len == 0) return;
    sink->layerData(data_layer, data, static_cast<uint32_t>(len));
    mime.feed(data, len, *this);
    countMimeBounds();
}

void SmtpDecoder::Impl::endMessage(bool flush) {
    if (flush) {
        mime.finish(*this);
    } else {
        mime.abort(*this);
    }
    partEnd();
    sink->endLayer(data_layer);
    in_message = false;
    data_layer = kNoLayer;
}

void SmtpDecoder::Impl::feed(const uint8_t* data, size_t len) {
    size_t i = 0;
    while (i < len) {
        switch (state) {
        case State::Stopped: return;
        case State::Command: i += feedCommand(data + i, len - i); break;
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

size_t SmtpDecoder::Impl::feedCommand(const uint8_t* data, size_t len) {
    const auto* lf = static_cast<const uint8_t*>(std::memchr(data, '\n', len));
    const size_t n = lf != nullptr ? static_cast<size_t>(lf - data) + 1 : len;
    if (!seen_command) {
        for (size_t k = 0; k < n; ++k) {
            if (!isCommandByte(data[k])) {
                stop(counters.parse_errors);
                return len;
            }
        }
    }
    const size_t text = lf != nullptr ? n - 1 : n;
    line_bound.append(line, data, text, limits.max_line_bytes);
    if (lf != nullptr) {
        if (line_bound.end()) ++counters.line_too_long;
        command();
        line.clear();
    }
    return n;
}

void SmtpDecoder::Impl::command() {
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
    case SmtpVerb::Starttls: stop(counters.starttls); break;
    case SmtpVerb::Unknown:
    case SmtpVerb::Other: break;
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
                state = State::Command;
                return i + 1;
            } else {
                state = State::DataLine; // the dot is dropped, c is content
            }
            break;
        case State::DataDotCr:
            if (c == '\n') {
                endMessage(true);
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

SmtpDecoder::SmtpDecoder(const SmtpDecoderLimits& limits, SmtpDecoderCounters& counters)
    : impl_(std::make_unique<Impl>(limits, counters)) {}

SmtpDecoder::~SmtpDecoder() = default;

void SmtpDecoder::onData(const uint8_t* data, uint32_t len, DecodedLayerSink& sink) noexcept {
    if (impl_->state == Impl::State::Stopped) return;
    impl_->sink = &sink;
    try {
        impl_->feed(data, len);
    } catch (const std::exception&) { // std::bad_alloc
        impl_->stop(impl_->counters.parse_errors);
    }
}

void SmtpDecoder::onGap(uint64_t /*missing*/, DecodedLayerSink& sink) noexcept {
    if (impl_->state == Impl::State::Stopped) return;
    impl_->sink = &sink;
    impl_->stop(impl_->counters.gaps);
}

void SmtpDecoder::onEnd(DecodedLayerSink& sink) noexcept {
    if (impl_->state == Impl::State::Stopped) return;
    impl_->sink = &sink;
    try {
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

} // namespace egressmon::dpi
