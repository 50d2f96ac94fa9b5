// Call flow, per direction:
//
//   onData -> Head: bytes appended to head_ line by line (bounded by max_header_bytes, the
//                   start line checked early so binary input is rejected at once) until the
//                   empty line; then parseHttpHead, the request target's decoded layer, HEAD
//                   pairing, and the framing of the body (none / length / chunked / to close).
//          -> Body: HttpBodyFramer strips the framing; HttpBodyDecoder emits the body layers.
//                   When the body ends, back to Head for the next (pipelined) message.
//          -> Resync: after a gap that lost the framing, lines are read (one at a time, bounded
//                   by max_header_bytes) and dropped until one is plausibleResyncLine: it becomes
//                   the start line in head_, back to Head. Over max_resync_bytes: stopped.
//   onGap  -> Body: HttpBodyFramer::gap says whether the body goes on (its layers take the gap)
//             or the framing is lost; Head or a lost body: Resync.
//   onEnd  -> a body in progress ends; stopped.
//
// A parse failure stops the direction (later bytes could not be framed reliably), except for
// the first message after a resync: its start line may have been body bytes that only looked
// like one, so the search goes on.

#include "dpi/decode/http/http_decoder.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include "dpi/content/content_percent_decoder.h"
#include "dpi/decode/http/http_body_decoder.h"
#include "dpi/decode/http/http_body_framer.h"
#include "dpi/decode/http/http_message_parser.h"

namespace egressmon::dpi {

struct HttpDecoder::Impl {
    enum class State : uint8_t { Head, Body, Resync, Stopped };

    Impl(bool requests, const HttpDecoderLimits& limits, HttpDecoderCounters& counters,
         HttpPairing* pairing, HttpDecoderMode mode, const FileDecoding* files)
        : requests_(requests), decode_(mode == HttpDecoderMode::Decode), limits_(limits),
          counters_(counters), pairing_(pairing), files_(files ? *files : defaultFiles()),
          framer_(limits.max_trailer_bytes) {}

    static const FileDecoding& defaultFiles() {
        static const FileDecoding none;
        return none;
    }

    void data(const uint8_t* data, size_t len, DecodedLayerSink& sink);
    size_t head(const uint8_t* data, size_t len, DecodedLayerSink& sink);
    size_t body(const uint8_t* data, size_t len, DecodedLayerSink& sink);
    size_t resync(const uint8_t* data, size_t len, DecodedLayerSink& sink);
    void gap(uint64_t missing, DecodedLayerSink& sink);
    bool bodyGap(uint64_t missing, DecodedLayerSink& sink);
    void enterResync(DecodedLayerSink& sink);
    void skipLine();
    void startMessage(DecodedLayerSink& sink);
    void emitDecodedTarget(std::string_view target, DecodedLayerSink& sink);
    void pushRequest(bool head_method);
    bool popResponseIsHead();
    void stop(DecodedLayerSink& sink, uint64_t* counter);
    // The open body ends: flushed (complete or cut by the end) or abandoned; its memory goes.
    void endBody(DecodedLayerSink& sink, bool complete);

    const bool requests_;
    const bool decode_; // false: pairing only (no layers)
    const HttpDecoderLimits limits_;
    HttpDecoderCounters& counters_;
    HttpPairing* pairing_;
    State state_ = State::Head;
    std::string head_;      // header section so far
    size_t line_start_ = 0; // offset in head_ of the line being read
    // Resync: the line being read (in head_) is longer than a start line may be: dropped.
    bool line_dropped_ = false;
    uint64_t line_len_ = 0; // Resync: bytes of the line being read
    // Since a gap lost the framing, until a message parses: stream bytes skipped.
    bool resyncing_ = false;
    uint64_t resync_skipped_ = 0;
    const FileDecoding& files_;
    HttpBodyFramer framer_;
    // Only while a decoded body is open (made at its head, gone at its end): most of a
    // decoder's memory (~1 KiB with its transform context), and most HTTP connections sit
    // between messages most of the time.
    std::unique_ptr<HttpBodyDecoder> body_;
};

void HttpDecoder::Impl::stop(DecodedLayerSink& sink, uint64_t* counter) {
    if (state_ == State::Stopped) return;
    if (counter) ++*counter;
    endBody(sink, false);
    state_ = State::Stopped;
    std::string().swap(head_);
}

void HttpDecoder::Impl::data(const uint8_t* data, size_t len, DecodedLayerSink& sink) {
    size_t i = 0;
    while (i < len && state_ != State::Stopped) {
        switch (state_) {
        case State::Head: i += head(data + i, len - i, sink); break;
        case State::Body: i += body(data + i, len - i, sink); break;
        case State::Resync: i += resync(data + i, len - i, sink); break;
        case State::Stopped: break;
        }
    }
}

void HttpDecoder::Impl::endBody(DecodedLayerSink& sink, bool complete) {
    if (!body_) return;
    if (complete)
        body_->finish(sink);
    else
        body_->abort(sink);
    body_.reset();
}

void HttpDecoder::Impl::enterResync(DecodedLayerSink& sink) {
    endBody(sink, false);
    if (!resyncing_) resync_skipped_ = 0; // a gap while still searching does not renew the bound
    resyncing_ = true;
    head_.clear();
    line_start_ = 0;
    line_dropped_ = false;
    line_len_ = 0;
    state_ = State::Resync;
}

// Split-invariant: whether the bound is passed depends only on the stream, not on how it was cut
// into pieces (bytes count as skipped once their line is rejected, or known to be too long).
size_t HttpDecoder::Impl::resync(const uint8_t* data, size_t len, DecodedLayerSink& sink) {
    size_t i = 0;
    while (i < len) {
        const void* lf = std::memchr(data + i, '\n', len - i);
        const size_t end =
            lf ? static_cast<size_t>(static_cast<const uint8_t*>(lf) - data) + 1 : len;
        const size_t n = end - i;
        line_len_ += n;
        if (!line_dropped_ && line_len_ <= limits_.max_header_bytes) {
            head_.append(reinterpret_cast<const char*>(data + i), n);
        } else if (!line_dropped_) { // longer than a header section may be: not a start line
            line_dropped_ = true;
            std::string().swap(head_);
        }
        i = end;
        if (lf) {
            std::string_view line(head_);
            if (!line_dropped_) line.remove_suffix(1);
            if (!line_dropped_ && plausibleResyncLine(line, requests_)) {
                line_start_ = head_.size(); // the start line; its header fields follow
                line_len_ = 0;
                state_ = State::Head;
                return i;
            }
            skipLine();
        }
        if (resync_skipped_ + (line_dropped_ ? line_len_ : 0) > limits_.max_resync_bytes) {
            stop(sink, &counters_.resync_failures);
            return i;
        }
    }
    return i;
}

// The line being read in Resync is not a start line (rejected, or cut by a hole): skipped.
void HttpDecoder::Impl::skipLine() {
    resync_skipped_ += line_len_;
    line_len_ = 0;
    line_dropped_ = false;
    head_.clear();
}

void HttpDecoder::Impl::gap(uint64_t missing, DecodedLayerSink& sink) {
    if (state_ == State::Stopped || missing == 0) return;
    ++counters_.gaps;
    if (state_ == State::Body && bodyGap(missing, sink)) {
        ++counters_.resyncs;
        return;
    }
    if (state_ == State::Resync) { // the line being read is cut by the hole: start over
        skipLine();
        return;
    }
    enterResync(sink);
}

// The body's share of the hole goes to its layers; true when the framing holds after it.
bool HttpDecoder::Impl::bodyGap(uint64_t missing, DecodedLayerSink& sink) {
    const HttpBodyFramer::GapStep g = framer_.gap(missing);
    if (body_) body_->gap(g.body, sink);
    if (g.resumes && !g.done) return true;
    if (!g.resumes) return false;
    endBody(sink, true); // the hole ended exactly with the body: the next message follows
    state_ = State::Head;
    return true;
}

size_t HttpDecoder::Impl::head(const uint8_t* data, size_t len, DecodedLayerSink& sink) {
    size_t i = 0;
    while (i < len) {
        // Empty lines before a start line are tolerated (RFC 9112 2.2).
        if (head_.empty() && (data[i] == '\r' || data[i] == '\n')) {
            ++i;
            continue;
        }
        const void* lf = std::memchr(data + i, '\n', len - i);
        const size_t end =
            lf ? static_cast<size_t>(static_cast<const uint8_t*>(lf) - data) + 1 : len;
        const size_t want = end - i;
        const size_t take = std::min(want, limits_.max_header_bytes - head_.size());
        head_.append(reinterpret_cast<const char*>(data + i), take);
        i += take;
        const bool in_start_line = line_start_ == 0;
        if (in_start_line && !plausibleStartLine(head_, requests_)) {
            stop(sink, &counters_.parse_errors);
            return i;
        }
        if (take < want) { // the header section does not fit in its bound
            stop(sink, &counters_.header_too_large);
            return i;
        }
        if (!lf) break;
        std::string_view line = std::string_view(head_).substr(line_start_);
        line.remove_suffix(1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() && !in_start_line) {
            startMessage(sink);
            return i;
        }
        line_start_ = head_.size();
    }
    return i;
}

void HttpDecoder::Impl::emitDecodedTarget(std::string_view target, DecodedLayerSink& sink) {
    // Without '%' or '+' the decoded target equals the raw one, which the raw stream has.
    if (target.find_first_of("%+") == std::string_view::npos) return;
    PercentDecoder decoder(PercentDecoder::Plus::SpaceAfterQuery);
    std::string out;
    decoder.decode(reinterpret_cast<const uint8_t*>(target.data()), target.size(), out);
    decoder.finish(out);
    LayerInfo info;
    info.type = "http.request.uri.decoded";
    const LayerId id = sink.beginLayer(info, kNoLayer);
    sink.layerData(id, reinterpret_cast<const uint8_t*>(out.data()),
                   static_cast<uint32_t>(out.size())); // counted by the sink if refused
    if (id != kNoLayer) sink.endLayer(id);
}

namespace {

uint64_t& pairingWord(HttpPairing& p, uint32_t slot) noexcept {
    return slot < 64 ? p.bits : p.more_bits[slot / 64 - 1];
}

} // namespace

// Both directions' decoders share the flow's limits, so they agree on the ring's size.
void HttpDecoder::Impl::pushRequest(bool head_method) {
    if (!pairing_ || pairing_->unread) return;
    const uint32_t size = limits_.max_pending_requests;
    if (size > 64 && pairing_->more_bits.empty())
        pairing_->more_bits.resize((size - 1) / 64); // once per flow; may throw bad_alloc
    if (pairing_->pending >= size) {                 // forget the oldest
        ++counters_.pending_requests_exceeded;
        pairing_->first = (pairing_->first + 1) % size;
        --pairing_->pending;
    }
    const uint32_t slot = (pairing_->first + pairing_->pending) % size;
    const uint64_t bit = uint64_t{1} << (slot % 64);
    uint64_t& word = pairingWord(*pairing_, slot);
    word = head_method ? word | bit : word & ~bit;
    ++pairing_->pending;
}

bool HttpDecoder::Impl::popResponseIsHead() {
    if (!pairing_ || pairing_->pending == 0) return false;
    const uint32_t slot = pairing_->first;
    const bool head = (pairingWord(*pairing_, slot) >> (slot % 64) & 1) != 0;
    pairing_->first = (slot + 1) % limits_.max_pending_requests;
    --pairing_->pending;
    return head;
}

void HttpDecoder::Impl::startMessage(DecodedLayerSink& sink) {
    const HttpHead h = parseHttpHead(head_, requests_);
    if (!h.ok) {
        if (resyncing_) { // the start line was a look-alike: search on
            enterResync(sink);
            return;
        }
        stop(sink, &counters_.parse_errors);
        return;
    }
    if (resyncing_) { // decoding goes on after the hole
        ++counters_.resyncs;
        resyncing_ = false;
    }
    ++counters_.messages;
    bool has_body = true;
    HttpBodyFramer::Mode mode = HttpBodyFramer::Mode::UntilClose;
    if (requests_) {
        pushRequest(h.method == "HEAD");
        if (decode_) emitDecodedTarget(h.target, sink);
        if (h.other_transfer) { // RFC 9112 6.3: a request body of unknown length
            stop(sink, &counters_.parse_errors);
            return;
        }
        if (h.chunked) {
            mode = HttpBodyFramer::Mode::Chunked;
        } else if (h.has_content_length && h.content_length > 0) {
            mode = HttpBodyFramer::Mode::Length;
        } else {
            has_body = false;
        }
    } else if (h.status < 200) {
        has_body = false;      // 1xx: the final response follows and answers the same request
        if (h.status == 101) { // protocol switch: what follows is not HTTP
            stop(sink, nullptr);
            return;
        }
    } else {
        const bool head_request = popResponseIsHead();
        if (head_request || h.status == 204 || h.status == 304) {
            has_body = false;
        } else if (h.chunked) {
            mode = HttpBodyFramer::Mode::Chunked;
        } else if (h.other_transfer) {
            mode = HttpBodyFramer::Mode::UntilClose;
        } else if (h.has_content_length) {
            mode = HttpBodyFramer::Mode::Length;
            has_body = h.content_length > 0;
        }
    }
    if (has_body) {
        if (mode == HttpBodyFramer::Mode::Chunked && decode_) ++counters_.chunked_bodies;
        framer_.start(mode, h.content_length);
        if (decode_) {
            body_ = std::make_unique<HttpBodyDecoder>(requests_, limits_, counters_, files_);
            body_->start(h, sink);
        }
        state_ = State::Body;
    }
    // Freed, not just cleared: a connection waits between messages far longer than a header
    // section takes to build again (~350 bytes per idle connection otherwise).
    std::string().swap(head_);
    line_start_ = 0;
}

size_t HttpDecoder::Impl::body(const uint8_t* data, size_t len, DecodedLayerSink& sink) {
    const HttpBodyFramer::Step step = framer_.step(data, len);
    if (step.body_len > 0 && body_) body_->data(step.body, step.body_len, sink);
    if (step.error) {
        stop(sink, step.trailer_too_large ? &counters_.trailer_too_large : &counters_.parse_errors);
    } else if (step.done) {
        endBody(sink, true);
        state_ = State::Head;
    }
    return step.consumed;
}

HttpDecoder::HttpDecoder(bool requests, const HttpDecoderLimits& limits,
                         HttpDecoderCounters& counters, HttpPairing* pairing, HttpDecoderMode mode,
                         const FileDecoding* files)
    : impl_(std::make_unique<Impl>(requests, limits, counters, pairing, mode, files)) {}

HttpDecoder::~HttpDecoder() = default;

void HttpDecoder::onData(const uint8_t* data, uint32_t len, DecodedLayerSink& sink) noexcept {
    if (impl_->state_ == Impl::State::Stopped) return;
    try {
        impl_->data(data, len, sink);
    } catch (...) { // std::bad_alloc: drop this direction rather than the process
        impl_->stop(sink, &impl_->counters_.parse_errors);
    }
}

void HttpDecoder::onGap(uint64_t missing, DecodedLayerSink& sink) noexcept {
    try {
        impl_->gap(missing, sink);
    } catch (...) { // std::bad_alloc
        impl_->stop(sink, &impl_->counters_.parse_errors);
    }
}

void HttpDecoder::onEnd(DecodedLayerSink& sink) noexcept {
    if (impl_->state_ == Impl::State::Stopped) return;
    try {
        // A close-delimited body ends here; a truncated one just ends too.
        if (impl_->state_ == Impl::State::Body) impl_->endBody(sink, true);
        impl_->stop(sink, nullptr);
    } catch (...) {
        impl_->stop(sink, &impl_->counters_.parse_errors);
    }
}

bool HttpDecoder::betweenMessages() const noexcept {
    return impl_->state_ == Impl::State::Head && impl_->head_.empty() && !impl_->resyncing_;
}

bool HttpDecoder::stopped() const noexcept {
    return impl_->state_ == Impl::State::Stopped;
}

} // namespace egressmon::dpi
