#include "flow_table.h"

#include <algorithm>
#include <bit>

namespace egressmon::core {

FlowTable::FlowTable(uint32_t max_flows, FlowTimeouts timeouts)
    : max_flows_(max_flows), timeouts_(timeouts) {
    // Load factor at most 1/2 keeps linear-probe chains short.
    max_slots_ = std::bit_ceil(std::max<uint64_t>(16, uint64_t{max_flows} * 2));
    const uint64_t slots = std::min<uint64_t>(max_slots_, kInitialSlots);
    slots_.assign(slots, kEmpty);
    slot_tags_.assign(slots, 0);
    slot_mask_ = slots - 1;
}

bool FlowTable::indexRoom() noexcept {
    if ((uint64_t{live_} + 1) * 2 <= slots_.size()) return true;
    if (slots_.size() < max_slots_) {
        try {
            const uint64_t slots = slots_.size() * 2;
            std::vector<uint32_t> old_slots(slots, kEmpty), new_tags(slots, 0);
            old_slots.swap(slots_); // slots_ is the new, empty index from here
            slot_tags_.swap(new_tags);
            slot_mask_ = slots - 1;
            for (const uint32_t v : old_slots)
                if (v != kEmpty) indexInsert(v - 1, at(v - 1).hash);
            return true;
        } catch (const std::bad_alloc&) {
            // Keeps the index it has: fuller, slower, still correct while one slot stays empty.
        }
    }
    return uint64_t{live_} + 2 <= slots_.size();
}

Flow* FlowTable::find(const FlowKey& key, uint64_t hash) noexcept {
    const uint32_t tag = static_cast<uint32_t>(hash);
    for (uint64_t s = hash & slot_mask_;; s = (s + 1) & slot_mask_) {
        const uint32_t v = slots_[s];
        if (v == kEmpty) return nullptr;
        if (slot_tags_[s] == tag) {
            Flow& flow = at(v - 1);
            if (flow.key == key) return &flow;
        }
    }
}

uint32_t FlowTable::allocate() noexcept {
    if (!free_.empty()) {
        const uint32_t index = free_.back();
        free_.pop_back();
        return index;
    }
    if (allocated_ >= max_flows_) return Flow::kNoFlow;
    if ((allocated_ >> kChunkShift) >= chunks_.size()) {
        try {
            // Reserve first: release() is noexcept and relies on free_ never reallocating.
            free_.reserve((chunks_.size() + 1) << kChunkShift);
            chunks_.push_back(std::make_unique<Flow[]>(1u << kChunkShift));
        } catch (const std::bad_alloc&) {
            return Flow::kNoFlow; // treated like a full table: the oldest flow is evicted
        }
    }
    return allocated_++;
}

void FlowTable::release(uint32_t index) noexcept {
    Flow& flow = at(index);
    flow = Flow{};
    free_.push_back(index); // capacity reserved in allocate(): cannot throw
    --live_;
}

void FlowTable::lruUnlink(uint32_t index) noexcept {
    Flow& flow = at(index);
    LruList& list = lru_[static_cast<size_t>(flow.timeout_class)];
    if (flow.lru_prev != Flow::kNoFlow)
        at(flow.lru_prev).lru_next = flow.lru_next;
    else
        list.head = flow.lru_next;
    if (flow.lru_next != Flow::kNoFlow)
        at(flow.lru_next).lru_prev = flow.lru_prev;
    else
        list.tail = flow.lru_prev;
    flow.lru_prev = flow.lru_next = Flow::kNoFlow;
}

void FlowTable::lruAppend(uint32_t index) noexcept {
    Flow& flow = at(index);
    LruList& list = lru_[static_cast<size_t>(flow.timeout_class)];
    flow.lru_prev = list.tail;
    flow.lru_next = Flow::kNoFlow;
    if (list.tail != Flow::kNoFlow)
        at(list.tail).lru_next = index;
    else
        list.head = index;
    list.tail = index;
}

void FlowTable::touch(Flow& flow, TimeoutClass cls, uint64_t now_us) noexcept {
    const uint32_t index = flow.table_index;
    lruUnlink(index);
    flow.timeout_class = cls;
    // Packet time can step back a little (reordered capture); never let last_ts go backwards,
    // or the LRU list would stop being ordered by age.
    if (now_us > flow.last_ts_us) flow.last_ts_us = now_us;
    lruAppend(index);
}

void FlowTable::indexInsert(uint32_t index, uint64_t hash) noexcept {
    uint64_t s = hash & slot_mask_;
    while (slots_[s] != kEmpty)
        s = (s + 1) & slot_mask_;
    slots_[s] = index + 1;
    slot_tags_[s] = static_cast<uint32_t>(hash);
}

void FlowTable::indexErase(uint32_t index) noexcept {
    uint64_t s = at(index).hash & slot_mask_;
    while (slots_[s] != index + 1)
        s = (s + 1) & slot_mask_;
    // Backward-shift deletion: pull later entries of the probe chain into the hole so lookups
    // never need tombstones.
    uint64_t hole = s;
    for (uint64_t next = (hole + 1) & slot_mask_; slots_[next] != kEmpty;
         next = (next + 1) & slot_mask_) {
        const uint64_t home = at(slots_[next] - 1).hash & slot_mask_;
        // Move `next` into `hole` unless its home lies cyclically in (hole, next].
        const bool home_between =
            (hole < next) ? (home > hole && home <= next) : (home > hole || home <= next);
        if (!home_between) {
            slots_[hole] = slots_[next];
            slot_tags_[hole] = slot_tags_[next];
            hole = next;
        }
    }
    slots_[hole] = kEmpty;
}

uint32_t FlowTable::oldestFlow() const noexcept {
    uint32_t oldest = Flow::kNoFlow;
    uint64_t oldest_ts = UINT64_MAX;
    for (const LruList& list : lru_) {
        if (list.head == Flow::kNoFlow) continue;
        const uint64_t ts = at(list.head).last_ts_us;
        if (ts < oldest_ts) oldest_ts = ts, oldest = list.head;
    }
    return oldest;
}

} // namespace egressmon::core
