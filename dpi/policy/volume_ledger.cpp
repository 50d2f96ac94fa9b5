#include "dpi/policy/volume_ledger.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "core/hash_mix.h"

namespace egressmon::dpi {

namespace {
constexpr uint64_t bytesOf(uint64_t packed) noexcept {
    return packed >> 20;
}
constexpr uint32_t flowsOf(uint64_t packed) noexcept {
    return static_cast<uint32_t>((packed >> 8) & VolumeLedger::kMaxFlows);
}
constexpr uint8_t generationOf(uint64_t packed) noexcept {
    return packed & 0xff;
}
constexpr uint64_t pack(uint64_t bytes, uint32_t flows, uint8_t generation) noexcept {
    return bytes << 20 | uint64_t{flows} << 8 | generation;
}
} // namespace

size_t VolumeLedger::HostHash::operator()(const core::IpAddress& a) const noexcept {
    uint64_t lo = 0, hi = 0;
    std::memcpy(&lo, a.bytes().data(), 8);
    std::memcpy(&hi, a.bytes().data() + 8, 8);
    return core::mix64(lo ^ core::mix64(hi + a.family()));
}

VolumeLedger::VolumeLedger(uint32_t max_hosts, std::vector<VolumeColumn> columns)
    : max_hosts_(max_hosts), columns_(std::move(columns)) {
    const uint32_t chunks = (max_hosts >> kChunkShift) + 1;
    chunks_.reset(new std::atomic<std::atomic<Window>*>[chunks]);
    for (uint32_t i = 0; i < chunks; ++i)
        chunks_[i].store(nullptr, std::memory_order_relaxed);
    owned_.reserve(chunks);
    // Reserved, not filled: the pages are touched only as slots are taken, and push_back below
    // never reallocates (so it cannot throw).
    host_of_.reserve(max_hosts);
    generation_.reserve(max_hosts);
    prev_.reserve(max_hosts);
    next_.reserve(max_hosts);
}

bool VolumeLedger::haveWindows(uint32_t slot) noexcept {
    const uint32_t chunk = slot >> kChunkShift;
    if (chunks_[chunk].load(std::memory_order_relaxed)) return true;
    std::unique_ptr<std::atomic<Window>[]> windows(
        new (std::nothrow) std::atomic<Window>[(size_t{1} << kChunkShift) * columns_.size()]);
    if (!windows) return false;
    chunks_[chunk].store(windows.get(), std::memory_order_release);
    owned_.push_back(std::move(windows)); // reserved for every chunk: cannot throw
    return true;
}

void VolumeLedger::unlink(uint32_t slot) noexcept {
    (prev_[slot] == kNoSlot ? head_ : next_[prev_[slot]]) = next_[slot];
    (next_[slot] == kNoSlot ? tail_ : prev_[next_[slot]]) = prev_[slot];
    prev_[slot] = next_[slot] = kNoSlot;
}

void VolumeLedger::pushFront(uint32_t slot) noexcept {
    prev_[slot] = kNoSlot;
    next_[slot] = head_;
    (head_ == kNoSlot ? tail_ : prev_[head_]) = slot;
    head_ = slot;
}

VolumeLedger::Acquired VolumeLedger::acquire(const core::IpAddress& host) noexcept {
    Acquired out;
    if (max_hosts_ == 0 || columns_.empty()) return out;
    std::lock_guard<std::mutex> lock(mutex_);
    try {
        if (const auto it = slot_of_.find(host); it != slot_of_.end()) {
            const uint32_t slot = it->second;
            unlink(slot);
            pushFront(slot);
            out.handle = {slot, generation_[slot]};
            return out;
        }
        if (used_ < max_hosts_) {
            const uint32_t slot = used_;
            if (!haveWindows(slot)) return Acquired{}; // out of memory: this host not tracked
            slot_of_.emplace(host, slot);              // may throw: nothing else changed yet
            ++used_;
            host_of_.push_back(host);
            generation_.push_back(0);
            prev_.push_back(kNoSlot);
            next_.push_back(kNoSlot);
            pushFront(slot);
            out.handle = {slot, 0};
            return out;
        }
        // The least recently used host goes. Its windows restart under a new generation: an
        // adder still holding the old handle fails its compare-and-swap and sees it.
        const uint32_t slot = tail_;
        unlink(slot);
        slot_of_.erase(host_of_[slot]);
        ++generation_[slot];
        for (uint32_t c = 0; c < columns_.size(); ++c)
            window(slot, c).store(Window{0, pack(0, 0, generation_[slot])},
                                  std::memory_order_release);
        out.evicted = true;
        slot_of_.emplace(host, slot);
        host_of_[slot] = host;
        pushFront(slot);
        out.handle = {slot, generation_[slot]};
    } catch (const std::bad_alloc&) {
        out = Acquired{}; // the map could not grow: this flow's host is not tracked
    }
    return out;
}

VolumeLedger::Added VolumeLedger::add(Handle handle, uint32_t column, uint64_t bytes,
                                      uint64_t ts_us, uint64_t& counted_window) noexcept {
    Added out;
    if (handle.slot == kNoSlot || column >= columns_.size()) return out;
    const VolumeColumn& spec = columns_[column];
    const uint64_t start_if_new = std::max<uint64_t>(ts_us, 1); // 0 means "no window yet"
    std::atomic<Window>& w = window(handle.slot, column);
    Window cur = w.load(std::memory_order_acquire);
    for (;;) {
        if (generationOf(cur.packed) != handle.generation) {
            out.stale = true;
            return out;
        }
        const bool opens = cur.start_us == 0 || ts_us >= cur.start_us + spec.window_us;
        const uint64_t before = opens ? 0 : bytesOf(cur.packed);
        Window next;
        next.start_us = opens ? start_if_new : cur.start_us;
        const uint64_t sum = std::min(before + std::min(bytes, kMaxSum), kMaxSum);
        uint32_t flows = opens ? 0 : flowsOf(cur.packed);
        if (opens || counted_window != cur.start_us) flows = std::min(flows + 1, kMaxFlows);
        next.packed = pack(sum, flows, handle.generation);
        if (w.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
            counted_window = next.start_us;
            out.crossed = before <= spec.threshold_bytes && sum > spec.threshold_bytes;
            out.bytes = sum;
            out.flows = flows;
            out.window_start_us = next.start_us;
            return out;
        }
    }
}

uint32_t VolumeLedger::hostsTracked() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return used_;
}

} // namespace egressmon::dpi
