#include "icap/icap_connection.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <new>
#include <sys/socket.h>
#include <unistd.h>

#include "core/wall_clock.h"
#include "icap/icap_block_page.h"
#include "icap/icap_identity.h"
#include "icap/icap_responses.h"

namespace egressmon::icap {

namespace {

constexpr size_t kReadBytes = 64 * 1024;
// Read no further while this much input waits for the parser (a preview decision pending): the
// input a connection holds stays bounded whatever the client sends.
constexpr size_t kMaxUnparsed = 256 * 1024;

std::string_view toView(std::span<const uint8_t> bytes) noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Milliseconds from `since` to `now`; 0 when `since` is later (a write noted its progress with a
// fresher clock reading than the tick's `now`): unsigned wrap-around would close the connection.
uint64_t elapsedMs(uint64_t now, uint64_t since) noexcept {
    return now > since ? now - since : 0;
}

OptionsReply optionsReply(const IcapConfig& config, std::string_view istag) {
    OptionsReply reply;
    reply.methods = "REQMOD";
    reply.service = "egressmon DLP";
    reply.istag = istag;
    reply.max_connections = config.max_connections;
    reply.options_ttl_s = config.options_ttl_s;
    reply.allow_204 = true;
    if (config.preview_bytes) reply.preview = *config.preview_bytes; // see IcapConfig
    reply.transfer_preview_all = config.preview_bytes.has_value();
    return reply;
}

} // namespace

IcapConnection::IcapConnection(IcapThreadContext& context, core::UniqueFd fd,
                               const core::IpAddress& peer, uint64_t now_ms) noexcept
    : context_(context), fd_(std::move(fd)), peer_(peer), parser_(*this, context.parser_limits),
      last_activity_ms_(now_ms), request_started_ms_(now_ms) {
    ++context_.open_connections;
}

IcapConnection::~IcapConnection() {
    if (transaction_) {
        ++context_.counters.client_aborts;
        transaction_->stopInspecting(nowUs());
    }
    releaseHeld();
    --context_.open_connections;
}

uint64_t IcapConnection::nowUs() const noexcept {
    return static_cast<uint64_t>(core::wallClockUs());
}

uint64_t IcapConnection::steadyUs() noexcept {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

void IcapConnection::rebase(const std::vector<int64_t>& moved) noexcept {
    if (transaction_) transaction_->rebase(moved);
}

bool IcapConnection::wantsRead() const noexcept {
    // Replies go out in order: while one waits, the next request waits in the socket.
    return stage_ != Stage::kClosing && !eof_ && out_.empty() &&
           in_.size() - in_offset_ < kMaxUnparsed;
}

bool IcapConnection::onReadable(uint64_t now_ms) noexcept {
    char buffer[kReadBytes];
    const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
    if (n == 0) {
        // The client is done sending: what is answered still goes out, then the connection
        // closes (a request cut short here was aborted: the destructor counts it).
        eof_ = true;
        return !out_.empty() && stage_ == Stage::kIdle;
    }
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    last_activity_ms_ = now_ms;
    if (stage_ == Stage::kIdle && in_.size() == in_offset_ && parser_.headerBytesSoFar() == 0)
        request_started_ms_ = now_ms;
    try {
        if (in_offset_ == in_.size()) {
            in_.clear();
            in_offset_ = 0;
        }
        in_.append(buffer, static_cast<size_t>(n));
    } catch (const std::bad_alloc&) {
        return false;
    }
    parseInput();
    return stage_ != Stage::kClosing || !out_.empty();
}

void IcapConnection::parseInput() noexcept {
    while (in_offset_ < in_.size() && stage_ != Stage::kClosing && !parser_.failed() &&
           !parser_.awaitingPreviewDecision()) {
        const auto* data = reinterpret_cast<const uint8_t*>(in_.data()) + in_offset_;
        const size_t consumed = parser_.feed({data, in_.size() - in_offset_});
        in_offset_ += consumed;
        if (consumed == 0) break;
    }
    if (in_offset_ == in_.size()) {
        in_.clear();
        in_offset_ = 0;
    }
}

bool IcapConnection::onWritable() noexcept {
    while (!out_.empty()) {
        const std::string& front = out_.front();
        const ssize_t n =
            ::send(fd_.get(), front.data() + out_offset_, front.size() - out_offset_, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
            ++context_.counters.write_errors;
            return false;
        }
        out_offset_ += static_cast<size_t>(n);
        last_activity_ms_ = steadyMs(); // the client reads: not idle
        if (out_offset_ < front.size()) return true;
        out_.pop_front();
        out_offset_ = 0;
    }
    if (stage_ == Stage::kClosing || eof_) return false;
    // Requests that arrived while the reply was waiting.
    if (in_offset_ < in_.size()) parseInput();
    return stage_ != Stage::kClosing || !out_.empty();
}

bool IcapConnection::onTick(uint64_t now_ms) noexcept {
    const IcapConfig& config = context_.config;
    switch (stage_) {
    case Stage::kIdle:
        if (in_.size() > in_offset_ || parser_.headerBytesSoFar() > 0) { // a header began
            if (elapsedMs(now_ms, request_started_ms_) > config.header_timeout_ms) {
                ++context_.counters.header_timeouts;
                return false;
            }
        } else if (elapsedMs(now_ms, last_activity_ms_) > config.idle_timeout_ms) {
            // Nothing to do, or a reply the client does not read: either way it is gone.
            ++context_.counters.idle_closed;
            return false;
        }
        return true;
    case Stage::kBody:
    case Stage::kPassThrough:
    case Stage::kUninspected:
    case Stage::kDiscard:
        // A body that stopped coming (slowloris in the body): the request is abandoned.
        if (elapsedMs(now_ms, last_activity_ms_) > config.idle_timeout_ms) {
            ++context_.counters.idle_closed;
            return false;
        }
        break;
    case Stage::kClosing: break;
    }
    return stage_ != Stage::kClosing || !out_.empty();
}

void IcapConnection::queue(std::string&& bytes) noexcept {
    try {
        out_.push_back(std::move(bytes));
    } catch (const std::bad_alloc&) {
        stage_ = Stage::kClosing; // no room even for the reply: the proxy sees the close
    }
}

void IcapConnection::queueLastChunk() noexcept {
    try {
        std::string out;
        appendLastChunk(out);
        queue(std::move(out));
    } catch (const std::bad_alloc&) {
        stage_ = Stage::kClosing;
    }
}

void IcapConnection::queueChunk(std::span<const uint8_t> bytes) noexcept {
    if (bytes.empty()) return;
    try {
        std::string chunk;
        appendChunk(chunk, bytes);
        queue(std::move(chunk));
    } catch (const std::bad_alloc&) {
        stage_ = Stage::kClosing;
    }
}

void IcapConnection::queueError(IcapError error) noexcept {
    try {
        switch (error) {
        case IcapError::NotImplemented: ++context_.counters.unknown_methods; break;
        case IcapError::VersionNotSupported: ++context_.counters.bad_versions; break;
        case IcapError::ServiceNotFound: ++context_.counters.unknown_services; break;
        case IcapError::HeaderTooLarge: ++context_.counters.header_too_large; break;
        case IcapError::MethodNotAllowed: break; // counted as respmods
        default: ++context_.counters.bad_requests; break;
        }
        const ErrorReply reply = errorReplyFor(error);
        std::string out;
        appendErrorResponse(out, reply.status, context_.istag, reply.close);
        queue(std::move(out));
        if (reply.close) stage_ = Stage::kClosing;
    } catch (const std::bad_alloc&) {
        stage_ = Stage::kClosing;
    }
}

void IcapConnection::queueBlockPage(const BlockDecision& block, bool close) noexcept {
    try {
        std::string out;
        appendBlockResponse(out, context_.istag, context_.config.block_status,
                            renderBlockPage(context_.config.block_page, block), close);
        queue(std::move(out));
    } catch (const std::bad_alloc&) {
        stage_ = Stage::kClosing;
    }
    answered_ = true;
    if (close) stage_ = Stage::kClosing;
}

void IcapConnection::onRequestHead(const IcapRequestHead& head) noexcept {
    answered_ = false;
    pending_error_set_ = false;
    body_bytes_ = 0;
    has_body_ = head.has_body;
    allow_204_ = head.allow_204;
    method_ = head.method;
    switch (head.method) {
    case IcapMethod::Options:
        ++context_.counters.options;
        stage_ = head.has_body ? Stage::kDiscard : Stage::kIdle;
        if (head.service_path != kReqmodServicePath) {
            pending_error_ = IcapError::ServiceNotFound;
            pending_error_set_ = true;
        }
        return; // answered at its end
    case IcapMethod::Respmod:
        ++context_.counters.respmods;
        stage_ = Stage::kDiscard;
        // Not offered (OPTIONS says REQMOD only). A proxy that sends one anyway and allows 204
        // gets it: the response passes unchanged, as it would without egressmon.
        if (!head.allow_204) {
            pending_error_ = IcapError::MethodNotAllowed;
            pending_error_set_ = true;
        }
        return;
    case IcapMethod::Reqmod:
        ++context_.counters.reqmods;
        if (head.service_path != kReqmodServicePath) {
            stage_ = Stage::kDiscard;
            pending_error_ = IcapError::ServiceNotFound;
            pending_error_set_ = true;
            return;
        }
        startReqmod(head);
        return;
    }
}

void IcapConnection::startReqmod(const IcapRequestHead& head) noexcept {
    head_done_us_ = steadyUs();
    if (head.preview) ++context_.counters.previews;
    stage_ = Stage::kBody;
    try {
        http_head_raw_ = head.http_request ? head.http_request->raw : std::string();
        TransactionIdentity identity = transactionIdentity(head, peer_);
        identity.id = context_.nextTransactionId();
        transaction_ = std::make_unique<IcapTransaction>(context_.engine, context_.alerts,
                                                         context_.sensor_name, std::move(identity));
    } catch (const std::bad_alloc&) {
        transaction_.reset();
    }
    // Echoing needs the body: a client that does not allow 204 gets its request back.
    holding_ = has_body_ && !allow_204_;
    if (transaction_ && head.http_request) {
        transaction_->begin(*head.http_request, has_body_, nowUs());
        checkDecisionTime();
    }
}

void IcapConnection::holdBody(std::span<const uint8_t> bytes) noexcept {
    if (context_.held_bytes + bytes.size() > context_.config.max_buffered_bytes) {
        passBound(Bound::kHoldBudget);
        return;
    }
    try {
        held_.append(toView(bytes));
        context_.held_bytes += bytes.size();
    } catch (const std::bad_alloc&) {
        passBound(Bound::kHoldBudget);
    }
}

void IcapConnection::queueHeldAsChunk() {
    const size_t size = held_.size();
    if (size == 0) return;
    context_.held_bytes -= std::min<uint64_t>(context_.held_bytes, size);
    std::string size_line;
    appendChunkSize(size_line, size);
    queue(std::move(size_line));
    queue(std::move(held_)); // the reply owns the bytes now: no copy of a large body
    held_.clear();
    queue("\r\n");
}

void IcapConnection::releaseHeld() noexcept {
    context_.held_bytes -= std::min<uint64_t>(context_.held_bytes, held_.size());
    std::string().swap(held_);
    holding_ = false;
}

void IcapConnection::onBodyData(std::span<const uint8_t> bytes) noexcept {
    context_.counters.body_bytes += bytes.size();
    body_bytes_ += bytes.size();
    switch (stage_) {
    case Stage::kPassThrough: queueChunk(bytes); return;
    case Stage::kBody: break;
    default: return; // uninspected, discarded or closing: read only
    }
    if (body_bytes_ > context_.config.max_body_bytes) {
        // The part within the bound was inspected; the rest is not.
        const uint64_t over = body_bytes_ - context_.config.max_body_bytes;
        const auto within = bytes.first(bytes.size() - static_cast<size_t>(over));
        if (holding_) holdBody(within);
        if (transaction_ && stage_ == Stage::kBody) transaction_->body(within, nowUs());
        if (stage_ == Stage::kBody) passBound(Bound::kBodySize);
        if (stage_ == Stage::kPassThrough) queueChunk(bytes.last(static_cast<size_t>(over)));
        return;
    }
    if (holding_) holdBody(bytes);
    if (stage_ == Stage::kPassThrough) {
        queueChunk(bytes); // the hold budget just ran out: these go out as they are
        return;
    }
    if (stage_ != Stage::kBody) return;
    if (transaction_) {
        transaction_->body(bytes, nowUs());
        checkDecisionTime();
    }
}

void IcapConnection::checkDecisionTime() noexcept {
    if (stage_ == Stage::kBody && transaction_ &&
        transaction_->inspectionNs() > uint64_t{context_.config.decision_timeout_ms} * 1'000'000)
        passBound(Bound::kDecisionTime);
}

void IcapConnection::onPreviewEnd(bool ieof) noexcept {
    if (ieof || stage_ == Stage::kClosing) return; // the request ends now (or is over anyway)
    if (stage_ == Stage::kDiscard) {
        // A RESPMOD or another service's request: its answer needs none of the rest.
        answerWithoutBody();
        parser_.abandonAfterPreview();
        if (stage_ != Stage::kClosing) stage_ = Stage::kIdle;
        request_started_ms_ = last_activity_ms_;
        return;
    }
    // A block rule already matched in the preview: answer now, the rest is never sent.
    if (stage_ == Stage::kBody && transaction_ && transaction_->block()) {
        transaction_->stopInspecting(nowUs());
        ++context_.counters.blocked;
        queueBlockPage(*transaction_->block(), /*close=*/false);
        finishTransaction();
        parser_.abandonAfterPreview();
        if (stage_ != Stage::kClosing) stage_ = Stage::kIdle;
        request_started_ms_ = last_activity_ms_;
        return;
    }
    // Inspecting, or passing the rest through: the body is wanted.
    ++context_.counters.continues;
    std::string out;
    appendContinue(out);
    queue(std::move(out));
    // Nothing more is read until it is written (wantsRead): the rest of the body follows it.
    parser_.continueAfterPreview();
}

void IcapConnection::answerWithoutBody() noexcept {
    try {
        std::string out;
        if (pending_error_set_)
            queueError(pending_error_);
        else if (method_ == IcapMethod::Options)
            appendOptionsResponse(out, optionsReply(context_.config, context_.istag));
        else
            appendNoContent(out, context_.istag, false); // a RESPMOD the client allowed 204
        if (!out.empty()) queue(std::move(out));
    } catch (const std::bad_alloc&) {
        stage_ = Stage::kClosing;
    }
}

void IcapConnection::onRequestEnd() noexcept {
    switch (stage_) {
    case Stage::kDiscard:
    case Stage::kIdle: // an OPTIONS, a RESPMOD, or a request for another service
        answerWithoutBody();
        break;
    case Stage::kBody:
    case Stage::kPassThrough:
    case Stage::kUninspected: answerReqmod(); break;
    case Stage::kClosing: break;
    }
    if (stage_ != Stage::kClosing) stage_ = Stage::kIdle;
    http_head_raw_.clear();
    // What follows in the buffer belongs to the next request: its header clock starts now.
    request_started_ms_ = last_activity_ms_;
}

void IcapConnection::answerReqmod() noexcept {
    if (transaction_) transaction_->finish(nowUs());
    if (stage_ == Stage::kPassThrough) {
        queueLastChunk();
    } else if (!answered_) {
        if (transaction_ && transaction_->block()) {
            ++context_.counters.blocked;
            queueBlockPage(*transaction_->block(), /*close=*/false);
        } else if (allow_204_) {
            if (stage_ == Stage::kBody) ++context_.counters.allowed_204;
            std::string out;
            appendNoContent(out, context_.istag, false);
            queue(std::move(out));
        } else {
            if (stage_ == Stage::kBody) ++context_.counters.allowed_echo;
            try {
                std::string head;
                appendEchoHead(head, context_.istag, http_head_raw_, has_body_, false);
                queue(std::move(head));
                if (has_body_) {
                    queueHeldAsChunk();
                    queueLastChunk();
                }
            } catch (const std::bad_alloc&) {
                stage_ = Stage::kClosing;
            }
        }
    }
    finishTransaction();
}

void IcapConnection::finishTransaction() noexcept {
    if (head_done_us_ != 0)
        context_.latency.observe(static_cast<double>(steadyUs() - head_done_us_) / 1e6);
    head_done_us_ = 0;
    transaction_.reset();
    releaseHeld();
    answered_ = true;
}

void IcapConnection::passBound(Bound bound) noexcept {
    switch (bound) {
    case Bound::kBodySize: ++context_.counters.body_over_limit; break;
    case Bound::kHoldBudget: ++context_.counters.buffer_over_limit; break;
    case Bound::kDecisionTime: ++context_.counters.decision_timeouts; break;
    }
    if (transaction_) transaction_->stopInspecting(nowUs());
    // A block rule that matched before the bound decides it.
    if (transaction_ && transaction_->block()) {
        ++context_.counters.blocked;
        queueBlockPage(*transaction_->block(), /*close=*/true);
        finishTransaction();
        return;
    }
    if (context_.config.on_bound == OnBound::kBlock) {
        ++context_.counters.bound_blocked;
        BlockDecision bound_block; // no rule: the page names the bound
        bound_block.signature = bound == Bound::kBodySize     ? "icap.max-body-bytes"
                                : bound == Bound::kHoldBudget ? "icap.max-buffered-bytes"
                                                              : "icap.decision-timeout-ms";
        queueBlockPage(bound_block, /*close=*/true);
        finishTransaction();
        return;
    }
    ++context_.counters.bound_allowed;
    if (!holding_) {
        stage_ = Stage::kUninspected; // 204 at the end: the client keeps its own copy
        return;
    }
    // Echo what is held now, and the rest as it comes.
    try {
        std::string head;
        appendEchoHead(head, context_.istag, http_head_raw_, true, false);
        queue(std::move(head));
        queueHeldAsChunk();
    } catch (const std::bad_alloc&) {
        stage_ = Stage::kClosing;
        return;
    }
    releaseHeld();
    answered_ = true;
    stage_ = Stage::kPassThrough;
}

void IcapConnection::onError(IcapError error, std::string_view /*reason*/) noexcept {
    if (transaction_) {
        transaction_->stopInspecting(nowUs());
        transaction_.reset();
    }
    releaseHeld();
    // A request already answered (pass-through under way) cannot get a second status line.
    if (answered_ && stage_ == Stage::kPassThrough) {
        stage_ = Stage::kClosing;
        return;
    }
    queueError(error);
    stage_ = Stage::kClosing;
}

} // namespace egressmon::icap
