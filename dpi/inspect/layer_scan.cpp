#include "dpi/inspect/layer_scan.h"

#include <algorithm>

#include "dpi/inspect/inspection_engine.h"
#include "dpi/inspect/inspection_session.h"

namespace egressmon::dpi {

uint64_t ScanContext::heldStart() const noexcept {
    return chunk_start_ - (current ? current->tail.size() : 0);
}

bool ScanContext::extract(uint64_t from, uint64_t to, std::string& out) const {
    const uint64_t held = heldStart();
    if (!current || from < held || to > chunk_start_ + chunk_len_ || from > to) return false;
    out.clear();
    for (uint64_t x = from; x < to; ++x)
        out.push_back(x < chunk_start_ ? current->tail[x - held]
                                       : static_cast<char>(chunk_[x - chunk_start_]));
    return true;
}

void ScanContext::keepTail(LayerScanner& layer, const uint8_t* data, uint32_t len) noexcept {
    const uint32_t keep = engine.historyBytes();
    if (keep == 0) { // nothing reads it (InspectionEngine::historyBytes)
        // After a reload to such rules: a tail no longer kept up to date must not be read.
        if (!layer.tail.empty()) std::string().swap(layer.tail);
        return;
    }
    try {
        if (len >= keep) {
            layer.tail.assign(reinterpret_cast<const char*>(data) + len - keep, keep);
        } else {
            layer.tail.append(reinterpret_cast<const char*>(data), len);
            if (layer.tail.size() > keep) layer.tail.erase(0, layer.tail.size() - keep);
        }
    } catch (const std::bad_alloc&) {
        layer.tail.clear(); // validators then report "unavailable": counted, not fatal
    }
}

void ScanContext::scan(LayerScanner& layer, const uint8_t* data, uint32_t len) noexcept {
    if (len == 0) return;
    rules::StreamMatcher& matcher = engine.matcher();
    if (!layer.stream) {
        layer.stream = matcher.open();
        layer.stream_start = layer.offset;
    }
    current = &layer;
    chunk_ = data, chunk_len_ = len, chunk_start_ = layer.offset;
    matcher.scan(layer.stream, data, len, layer.stream_start, *this);
    handleDeferred();
    engine.counters().bytes_inspected += len;
    layer.offset += len;
    keepTail(layer, data, len);
    chunk_ = nullptr, chunk_len_ = 0, chunk_start_ = layer.offset;
    current = nullptr;
}

void ScanContext::gap(LayerScanner& layer, uint64_t missing) noexcept {
    current = &layer;
    chunk_ = nullptr, chunk_len_ = 0, chunk_start_ = layer.offset;
    // Closed rather than reset: nothing before the hole can match across it, and a stream
    // opened again on the next byte costs less than holding ~2 KiB (at 10,000 patterns) per
    // idle layer: a keep-alive connection between requests, a DNS flow between datagrams.
    engine.matcher().close(layer.stream, layer.stream_start, *this);
    handleDeferred();
    layer.offset += missing;
    layer.stream_start = layer.offset;
    layer.tail.clear();
    current = nullptr;
}

void ScanContext::skip(LayerScanner& layer, uint64_t n) noexcept {
    if (layer.stream && layer.offset > layer.stream_start) {
        gap(layer, n);
        return;
    }
    layer.offset += n;
    layer.stream_start = layer.offset;
    layer.tail.clear();
}

void ScanContext::close(LayerScanner& layer) noexcept {
    current = &layer;
    chunk_ = nullptr, chunk_len_ = 0, chunk_start_ = layer.offset;
    engine.matcher().close(layer.stream, layer.stream_start, *this);
    handleDeferred();
    current = nullptr;
}

bool ScanContext::onMatch(const rules::MatchEvent& event) noexcept {
    const auto& pattern = engine.matcher().ruleSet().patterns()[event.pattern_id];
    const bool utf16 = pattern.encoding == rules::Encoding::kUtf16Be ||
                       pattern.encoding == rules::Encoding::kUtf16Le;
    if (utf16 && deferred_utf16_.size() < 64) {
        try {
            deferred_utf16_.push_back(event);
            return true;
        } catch (const std::bad_alloc&) {
        }
    }
    session.handleMatch(*this, event);
    return true;
}

void ScanContext::handleDeferred() noexcept {
    const auto start_is_odd = [&](const rules::MatchEvent& e) {
        return ((e.to - engine.patternLength(e.pattern_id)) & 1) != 0;
    };
    std::stable_sort(
        deferred_utf16_.begin(), deferred_utf16_.end(),
        [&](const auto& a, const auto& b) { return !start_is_odd(a) && start_is_odd(b); });
    for (const rules::MatchEvent& e : deferred_utf16_)
        session.handleMatch(*this, e);
    deferred_utf16_.clear();
}

} // namespace egressmon::dpi
