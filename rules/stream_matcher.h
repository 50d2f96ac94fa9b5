#pragma once
// Per-worker matching against a RuleSet: the worker's own Hyperscan scratch (cloned from the
// rule set's prototype, never shared, never stored on a flow) and the streams it opens for each
// (flow direction, layer). Thread: one instance per worker. Construction may throw (start-up or
// reload, off the packet path); everything else is noexcept.

#include <cstdint>
#include <memory>

#include "rule_set.h"

namespace egressmon::rules {

struct MatchEvent {
    unsigned pattern_id; // index into RuleSet::patterns()
    // Start offset: exact only for patterns compiled with start-of-match (regexes, validated
    // rules); for plain keywords it is the stream's base, and the caller takes end - length.
    uint64_t from;
    uint64_t to; // end offset (one past the last byte)
};

// Receives matches. Returning false stops the stream for good (Hyperscan reports nothing more on
// it until a reset), not just this call's data; no caller does today.
class MatchHandler {
  public:
    virtual ~MatchHandler() = default;
    virtual bool onMatch(const MatchEvent& event) noexcept = 0;
};

// Closes a stream without a callback: only for teardown after a proper close() was skipped.
inline void hs_close_stream_nocb(hs_stream_t* s) {
    hs_close_stream(s, nullptr, nullptr, nullptr);
}
using HsStream = core::CHandle<hs_stream_t, hs_close_stream_nocb>;

class StreamMatcher {
  public:
    explicit StreamMatcher(std::shared_ptr<const RuleSet> rules);

    const RuleSet& ruleSet() const { return *rules_; }
    const std::shared_ptr<const RuleSet>& ruleSetPtr() const { return rules_; }
    bool empty() const { return rules_->database() == nullptr; }

    // A new stream (null when there are no rules or Hyperscan is out of memory: counted).
    HsStream open() noexcept;
    // Scans the next bytes of `stream`. `base` is the layer offset at which the stream was
    // opened or last reset (Hyperscan counts from there), so events carry layer offsets.
    void scan(HsStream& stream, const uint8_t* data, uint32_t len, uint64_t base,
              MatchHandler& handler) noexcept;
    // Ends the stream (reporting end-anchored matches) and releases it.
    void close(HsStream& stream, uint64_t base, MatchHandler& handler) noexcept;
    // Forgets what was seen so far (a gap: no match may span it); the stream stays usable.
    void reset(HsStream& stream, uint64_t base, MatchHandler& handler) noexcept;

    uint64_t streamBytes() const noexcept { return stream_bytes_; } // hs_stream_size
    uint64_t errors() const noexcept { return errors_; }
    uint64_t scanCalls() const noexcept { return scan_calls_; } // hs_scan_stream calls
    uint64_t streamsOpened() const noexcept { return streams_opened_; }

  private:
    std::shared_ptr<const RuleSet> rules_;
    HsScratch scratch_;
    uint64_t stream_bytes_ = 0;
    uint64_t errors_ = 0;
    uint64_t scan_calls_ = 0;
    uint64_t streams_opened_ = 0;
};

} // namespace egressmon::rules
