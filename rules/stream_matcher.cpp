#include "stream_matcher.h"

#include <stdexcept>

namespace egressmon::rules {

namespace {
struct CallbackContext {
    MatchHandler& handler;
    uint64_t base;
};

int onHsMatch(unsigned id, unsigned long long from, unsigned long long to, unsigned, void* ctx) {
    auto& c = *static_cast<CallbackContext*>(ctx);
    return c.handler.onMatch(MatchEvent{id, c.base + from, c.base + to}) ? 0 : 1;
}
} // namespace

StreamMatcher::StreamMatcher(std::shared_ptr<const RuleSet> rules) : rules_(std::move(rules)) {
    if (!rules_->database()) return;
    hs_scratch_t* s = nullptr;
    if (hs_clone_scratch(rules_->scratchPrototype(), &s) != HS_SUCCESS)
        throw std::runtime_error("Hyperscan: cannot allocate scratch space");
    scratch_.reset(s);
    size_t size = 0;
    if (hs_stream_size(rules_->database(), &size) == HS_SUCCESS) stream_bytes_ = size;
}

HsStream StreamMatcher::open() noexcept {
    if (!rules_->database()) return nullptr;
    hs_stream_t* s = nullptr;
    ++streams_opened_;
    if (hs_open_stream(rules_->database(), 0, &s) != HS_SUCCESS) {
        ++errors_;
        return nullptr;
    }
    return HsStream(s);
}

void StreamMatcher::scan(HsStream& stream, const uint8_t* data, uint32_t len, uint64_t base,
                         MatchHandler& handler) noexcept {
    if (!stream || len == 0) return;
    ++scan_calls_;
    CallbackContext ctx{handler, base};
    const hs_error_t rc = hs_scan_stream(stream.get(), reinterpret_cast<const char*>(data), len, 0,
                                         scratch_.get(), onHsMatch, &ctx);
    if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) ++errors_;
}

void StreamMatcher::close(HsStream& stream, uint64_t base, MatchHandler& handler) noexcept {
    if (!stream) return;
    CallbackContext ctx{handler, base};
    if (hs_close_stream(stream.release(), scratch_.get(), onHsMatch, &ctx) != HS_SUCCESS) ++errors_;
}

void StreamMatcher::reset(HsStream& stream, uint64_t base, MatchHandler& handler) noexcept {
    if (!stream) return;
    CallbackContext ctx{handler, base};
    if (hs_reset_stream(stream.get(), 0, scratch_.get(), onHsMatch, &ctx) != HS_SUCCESS) ++errors_;
}

} // namespace egressmon::rules
