// Call flow, per direction:
//
//   onData -> Head: bytes appended to head_ line by line (bounded by max_header_bytes, the
//                   start line checked early so binary input is rejected at once) until the
//                   empty line; then parseHttpHead, the request target's decoded layer, HEAD
//                   pairing, and the framing of the body (none / length / chunked / to close).
//          -> Body: HttpBodyFramer strips the framing; HttpBodyDecoder emits the body layers.
//                   When the body ends, back to Head for the next (pipelined) message.
//   onGap  -> open layers end; stopped.      onEnd -> a body in progress ends; stopped.
//
// Any parse failure stops the direction: later bytes could not be framed reliably.

#include "http_decoder.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include "content_percent_decoder.h"
#include "http_body_decoder.h"
#include "http_body_framer.h"
#include "http_message_parser.h"

namespace egressmon::dpi {

struct HttpDecoder::Impl {
    enum class State : uint8_t { Head, Body, Stopped };

    Impl(bool requests, const HttpDecoderLimits& limits, HttpDecoderCounters& counters,
         HttpPairing* pairing)
        : requests_(requests), limits_(limits), counters_(counters), pairing_(pairing),
          framer_(limits.max_trailer_bytes), body_(requests, limits_, counters) {}

    void data(const uint8_t* data, size_t len, DecodedLayerSink& sink);
    size_t head(const uint8_t* data, size_t len, DecodedLayerSink& sink);
    size_t body(const uint8_t* data, size_t len, DecodedLayerSink& sink);
    void startMessage(DecodedLayerSink& sink);
    void emitDecodedTarget(std::string_view target, DecodedLayerSink& sink);
    void pushRequest(bool head_method);
    bool popResponseIsHead();
    void stop(DecodedLayerSink& sink, uint64_t* counter);

    const bool requests_;
    const HttpDecoderLimits limits_;
    HttpDecoderCounters& counters_;
    HttpPairing* pairing_;
    State state_ = State::Head;
    std::string head_;      // header section so far
    size_t line_start_ = 0; // offset in head_ of the line being read
    HttpBodyFramer framer_;
    HttpBodyDecoder body_;
};

void HttpDecoder::Impl::stop(DecodedLayerSink& sink, uint64_t* counter) {
    if (state_ == State::Stopped) return;
    if (counter) ++*counter;
    body_.abort(sink);
    state_ = State::Stopped;
    std::string().swap(head_);
}

void HttpDecoder::Impl::data(const uint8_t* data, size_t len, DecodedLayerSink& sink) {
    size_t i = 0;
    while (i < len && state_ != State::Stopped) {
        i += state_ == State::Head ? head(data + i, len - i, sink) : body(data + i, len - i, sink);
    }
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
    const LayerId id = sink.beginLayer("http.request.uri.decoded");
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
    if (!pairing_) return;
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
        stop(sink, &counters_.parse_errors);
        return;
    }
    ++counters_.messages;
    bool has_body = true;
    HttpBodyFramer::Mode mode = HttpBodyFramer::Mode::UntilClose;
    if (requests_) {
        pushRequest(h.method == "HEAD");
        emitDecodedTarget(h.target, sink);
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
        if (mode == HttpBodyFramer::Mode::Chunked) ++counters_.chunked_bodies;
        framer_.start(mode, h.content_length);
        body_.start(h);
        state_ = State::Body;
    }
    head_.clear();
    line_start_ = 0;
}

size_t HttpDecoder::Impl::body(const uint8_t* data, size_t len, DecodedLayerSink& sink) {
    const HttpBodyFramer::Step step = framer_.step(data, len);
    if (step.body_len > 0) body_.data(step.body, step.body_len, sink);
    if (step.error) {
        stop(sink, step.trailer_too_large ? &counters_.trailer_too_large : &counters_.parse_errors);
    } else if (step.done) {
        body_.finish(sink);
        state_ = State::Head;
    }
    return step.consumed;
}

HttpDecoder::HttpDecoder(bool requests, const HttpDecoderLimits& limits,
                         HttpDecoderCounters& counters, HttpPairing* pairing)
    : impl_(std::make_unique<Impl>(requests, limits, counters, pairing)) {}

HttpDecoder::~HttpDecoder() = default;

void HttpDecoder::onData(const uint8_t* data, uint32_t len, DecodedLayerSink& sink) noexcept {
    if (impl_->state_ == Impl::State::Stopped) return;
    try {
        impl_->data(data, len, sink);
    } catch (...) { // std::bad_alloc: drop this direction rather than the process
        impl_->stop(sink, &impl_->counters_.parse_errors);
    }
}

void HttpDecoder::onGap(uint64_t /*missing*/, DecodedLayerSink& sink) noexcept {
    try {
        impl_->stop(sink, &impl_->counters_.gaps);
    } catch (...) {
        impl_->state_ = Impl::State::Stopped;
    }
}

void HttpDecoder::onEnd(DecodedLayerSink& sink) noexcept {
    if (impl_->state_ == Impl::State::Stopped) return;
    try {
        // A close-delimited body ends here; a truncated one just ends too.
        if (impl_->state_ == Impl::State::Body) impl_->body_.finish(sink);
        impl_->stop(sink, nullptr);
    } catch (...) {
        impl_->stop(sink, &impl_->counters_.parse_errors);
    }
}

bool HttpDecoder::stopped() const noexcept {
    return impl_->state_ == Impl::State::Stopped;
}

} // namespace egressmon::dpi
