#pragma once
// One proxy's ICAP connection: reads requests one after another (persistent, pipelined),
// inspects each REQMOD through an IcapTransaction as its bytes arrive, and answers:
//
//   clean, client allowed 204        -> 204 No Content (nothing was held)
//   clean, client did not allow 204  -> 200 with the request echoed unmodified (the body was
//                                        held for it, within icap.max-buffered-bytes)
//   a `block` rule matched           -> 200 with an HTTP 403 (icap.block-status) page naming the
//                                        rule and the alert id
//   a bound passed (body size, hold budget, inspection time) -> icap.on-bound: allow (pass the rest
//                                        through uninspected) or block (block page, then close)
//   malformed, over a header bound   -> the ICAP error status, then close
//
// Reading stops while a reply is waiting to be written (replies go out in request order), so a
// client that does not read cannot make the connection hold more than one reply.
// Thread: the ICAP thread that accepted it; noexcept after construction.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "core/unique_fd.h"
#include "icap/icap_request_parser.h"
#include "icap/icap_thread_context.h"
#include "icap/icap_transaction.h"

namespace egressmon::icap {

class IcapConnection final : private IcapParserEvents {
  public:
    IcapConnection(IcapThreadContext& context, core::UniqueFd fd, const core::IpAddress& peer,
                   uint64_t now_ms) noexcept;
    ~IcapConnection() override;

    // The socket is readable / writable. false: the connection is over (close it).
    bool onReadable(uint64_t now_ms) noexcept;
    bool onWritable() noexcept;
    // About every 100 ms: the header and idle timeouts. false: close it.
    bool onTick(uint64_t now_ms) noexcept;

    // The rules were reloaded: the open transaction's session follows (old index -> new).
    void rebase(const std::vector<int64_t>& moved) noexcept;

    int fd() const noexcept { return fd_.get(); }
    bool wantsRead() const noexcept;
    bool wantsWrite() const noexcept { return !out_.empty(); }

  private:
    // Where the current request is.
    enum class Stage : uint8_t {
        kIdle,        // between requests (a header may have begun: parser_.headerBytesSoFar())
        kBody,        // its body arrives and is inspected (and held, to echo it)
        kPassThrough, // a bound passed, allowed: the rest is echoed as it arrives, uninspected
        kUninspected, // a bound passed, allowed, the client allows 204: the rest is read only
        kDiscard,     // answered already (an error to come at its end, or RESPMOD)
        kClosing,     // a final reply is queued; the connection closes once it is written
    };
    enum class Bound : uint8_t { kBodySize, kHoldBudget, kDecisionTime };

    void onRequestHead(const IcapRequestHead& head) noexcept override;
    void onBodyData(std::span<const uint8_t> bytes) noexcept override;
    void onPreviewEnd(bool ieof) noexcept override;
    void onRequestEnd() noexcept override;
    void onError(IcapError error, std::string_view reason) noexcept override;

    void startReqmod(const IcapRequestHead& head) noexcept;
    void answerReqmod() noexcept;
    // The answer to an OPTIONS, a RESPMOD or a request for an unknown service.
    void answerWithoutBody() noexcept;
    void passBound(Bound bound) noexcept;
    // icap.decision-timeout-ms: inspection has cost the request too much time already.
    void checkDecisionTime() noexcept;
    void holdBody(std::span<const uint8_t> bytes) noexcept;
    void releaseHeld() noexcept;
    // The held body as one chunk of the echoed request (moved, not copied). May throw bad_alloc.
    void queueHeldAsChunk();
    void queue(std::string&& bytes) noexcept;
    void queueChunk(std::span<const uint8_t> bytes) noexcept;
    void queueLastChunk() noexcept;
    void queueBlockPage(const BlockDecision& block, bool close) noexcept;
    void queueError(IcapError error) noexcept;
    void finishTransaction() noexcept;
    // Feeds what is buffered to the parser; settles preview decisions between feeds.
    void parseInput() noexcept;
    uint64_t nowUs() const noexcept;     // wall clock: alert times
    static uint64_t steadyUs() noexcept; // latency

    IcapThreadContext& context_;
    core::UniqueFd fd_;
    core::IpAddress peer_;
    IcapRequestParser parser_;
    Stage stage_ = Stage::kIdle;
    std::string in_;              // read but not yet consumed by the parser
    size_t in_offset_ = 0;        // consumed prefix of in_
    std::deque<std::string> out_; // replies in order; the front is partly written
    size_t out_offset_ = 0;
    std::unique_ptr<IcapTransaction> transaction_;
    std::string http_head_raw_; // the encapsulated request header, to echo it
    bool has_body_ = false;
    bool allow_204_ = false;
    bool holding_ = false;    // the body is kept to echo it
    std::string held_;        // the kept body
    uint64_t body_bytes_ = 0; // of the current request
    IcapMethod method_ = IcapMethod::Options;
    bool answered_ = false; // the current request's final reply is queued
    bool pending_error_set_ = false;
    IcapError pending_error_ = IcapError::None;
    uint64_t last_activity_ms_ = 0;
    uint64_t request_started_ms_ = 0; // first byte of the current request's header
    uint64_t head_done_us_ = 0;       // its header block complete (latency from here)
    bool eof_ = false;                // the client closed its side
};

} // namespace egressmon::icap
