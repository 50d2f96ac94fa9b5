#pragma once
// Per-worker flow table: open addressing (linear probing, backward-shift deletion) over a pool
// of Flow objects, with one LRU list per timeout class for O(expired) idle expiry and
// oldest-first eviction when the table is full.
//
// Thread: owned by one worker; no locking. Memory: at most max_flows Flow objects, allocated in
// chunks on demand and recycled; the index doubles (one rehash of the live flows) whenever the
// live flows would fill more than half of it, up to twice max_flows slots, and never shrinks.
// A sensor sized for a million flows that sees thirty thousand holds an index for those.

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "counter_table.h"
#include "flow.h"

namespace egressmon::core {

struct FlowTimeouts {
    // Seconds of inactivity before a flow ends, per class (Suricata's defaults).
    std::array<uint32_t, static_cast<size_t>(TimeoutClass::kCount)> seconds = {
        60,  // tcp new
        600, // tcp established
        60,  // tcp closed
        30,  // udp new
        300, // udp established
        30,  // icmp new
        300, // icmp established
        30,  // other new
        300, // other established
    };
    uint64_t timeoutUs(TimeoutClass c) const {
        return uint64_t{seconds[static_cast<size_t>(c)]} * 1'000'000;
    }
};

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_FLOW_TABLE_COUNTERS(X)                                                           \
    X(created, "flows", "Flows created", counter::metric("egressmon_flows_created_total"))         \
    X(expired, "flows", "Flows ended by an idle timeout",                                          \
      counter::metric("egressmon_flows_expired_total"))                                            \
    X(evicted, "flows", "Flows ended early because the flow table was full (max-flows)",           \
      counter::metric("egressmon_flows_evicted_total").limit("max-flows"))                         \
    X(flushed, "flows", "Flows ended by end of input or shutdown",                                 \
      counter::metric("egressmon_flows_flushed_total"))                                            \
    /* one X(...) per counter, above this line */

struct FlowTableCounters {
    EGRESSMON_FLOW_TABLE_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(FlowTableCounters, EGRESSMON_FLOW_TABLE_COUNTERS, "flow_table",
                            "flow_table", nullptr)
    EGRESSMON_COUNTER_SUM(FlowTableCounters)
};

class FlowTable {
  public:
    FlowTable(uint32_t max_flows, FlowTimeouts timeouts);
    FlowTable(const FlowTable&) = delete;
    FlowTable& operator=(const FlowTable&) = delete;

    Flow* find(const FlowKey& key, uint64_t hash) noexcept;

    // Inserts a new flow (the caller checked find() first). When the table is full, the flow
    // idle longest is ended first through on_end(flow, FlowEndReason::kEvicted).
    template <class OnEnd>
    Flow* create(const FlowKey& key, uint64_t hash, uint64_t now_us, OnEnd&& on_end);

    // Records activity: moves the flow to the young end of its timeout class's list.
    void touch(Flow& flow, TimeoutClass cls, uint64_t now_us) noexcept;

    // Ends every flow idle past its class's timeout at time now_us.
    template <class OnEnd> void expire(uint64_t now_us, OnEnd&& on_end);
    // Ends `flow` if it was idle past its timeout before now_us, as expire() would have:
    // a packet arriving after the timeout starts a new flow even when the periodic sweep has
    // not run yet (it runs between batches). Returns true when the flow was ended.
    template <class OnEnd> bool endIfIdle(Flow& flow, uint64_t now_us, OnEnd&& on_end);

    // Ends every flow (end of capture, shutdown).
    template <class OnEnd> void flushAll(OnEnd&& on_end);

    // Visits every live flow (e.g. to move per-flow state to a reloaded rule set).
    template <class Fn> void forEach(Fn&& fn) {
        for (const LruList& list : lru_)
            for (uint32_t i = list.head; i != Flow::kNoFlow; i = at(i).lru_next)
                fn(at(i));
    }

    uint32_t size() const noexcept { return live_; }
    uint32_t maxFlows() const noexcept { return max_flows_; }
    uint64_t indexSlots() const noexcept { return slots_.size(); }
    const FlowTableCounters& counters() const noexcept { return counters_; }
    const FlowTimeouts& timeouts() const noexcept { return timeouts_; }

  private:
    static constexpr uint32_t kChunkShift = 10;     // 1024 flows per allocation
    static constexpr uint32_t kEmpty = 0;           // slot value: 0 empty, else flow index + 1
    static constexpr uint64_t kInitialSlots = 8192; // 64 KiB of index until 4,096 flows

    struct LruList {
        uint32_t head = Flow::kNoFlow; // oldest
        uint32_t tail = Flow::kNoFlow; // youngest
    };

    Flow& at(uint32_t index) noexcept {
        return chunks_[index >> kChunkShift][index & ((1u << kChunkShift) - 1)];
    }
    const Flow& at(uint32_t index) const noexcept {
        return chunks_[index >> kChunkShift][index & ((1u << kChunkShift) - 1)];
    }
    uint32_t allocate() noexcept; // Flow::kNoFlow when at max_flows
    void release(uint32_t index) noexcept;
    void lruUnlink(uint32_t index) noexcept;
    void lruAppend(uint32_t index) noexcept;
    void indexInsert(uint32_t index, uint64_t hash) noexcept;
    // Whether the index can take one more flow, doubling it first when it would pass half
    // full; false only when it cannot grow (out of memory) and is all but full.
    bool indexRoom() noexcept;
    void indexErase(uint32_t index) noexcept;
    uint32_t oldestFlow() const noexcept;
    template <class OnEnd> void end(uint32_t index, FlowEndReason reason, OnEnd& on_end);

    uint32_t max_flows_;
    FlowTimeouts timeouts_;
    std::vector<uint32_t> slots_;     // open-addressing index
    std::vector<uint32_t> slot_tags_; // low 32 bits of the hash, to skip most key compares
    uint64_t slot_mask_;
    uint64_t max_slots_; // the index's size at max_flows
    std::vector<std::unique_ptr<Flow[]>> chunks_;
    std::vector<uint32_t> free_; // recycled flow indices
    uint32_t allocated_ = 0;     // flow indices handed out so far (chunks cover them)
    uint32_t live_ = 0;
    std::array<LruList, static_cast<size_t>(TimeoutClass::kCount)> lru_{};
    FlowTableCounters counters_;
};

// ---- template members ----

template <class OnEnd> void FlowTable::end(uint32_t index, FlowEndReason reason, OnEnd& on_end) {
    Flow& flow = at(index);
    on_end(flow, reason);
    lruUnlink(index);
    indexErase(index);
    release(index);
}

template <class OnEnd>
Flow* FlowTable::create(const FlowKey& key, uint64_t hash, uint64_t now_us, OnEnd&& on_end) {
    if (!indexRoom()) {
        const uint32_t victim = oldestFlow();
        if (victim == Flow::kNoFlow) return nullptr;
        ++counters_.evicted;
        end(victim, FlowEndReason::kEvicted, on_end);
    }
    uint32_t index = allocate();
    if (index == Flow::kNoFlow) {
        const uint32_t victim = oldestFlow();
        if (victim == Flow::kNoFlow) return nullptr; // max_flows == 0
        ++counters_.evicted;
        end(victim, FlowEndReason::kEvicted, on_end);
        index = allocate();
    }
    Flow& flow = at(index);
    flow.key = key;
    flow.hash = hash;
    flow.first_ts_us = flow.last_ts_us = now_us;
    flow.in_use = true;
    flow.table_index = index;
    flow.timeout_class = TimeoutClass::kOtherNew;
    indexInsert(index, hash);
    lruAppend(index);
    ++live_;
    ++counters_.created;
    return &flow;
}

template <class OnEnd> void FlowTable::expire(uint64_t now_us, OnEnd&& on_end) {
    for (size_t c = 0; c < lru_.size(); ++c) {
        const uint64_t timeout = timeouts_.timeoutUs(static_cast<TimeoutClass>(c));
        while (lru_[c].head != Flow::kNoFlow) {
            const uint32_t index = lru_[c].head;
            const Flow& flow = at(index);
            if (now_us < flow.last_ts_us || now_us - flow.last_ts_us < timeout) break;
            ++counters_.expired;
            end(index, FlowEndReason::kTimeout, on_end);
        }
    }
}

template <class OnEnd> bool FlowTable::endIfIdle(Flow& flow, uint64_t now_us, OnEnd&& on_end) {
    const uint64_t timeout = timeouts_.timeoutUs(flow.timeout_class);
    if (now_us < flow.last_ts_us || now_us - flow.last_ts_us < timeout) return false;
    ++counters_.expired;
    end(flow.table_index, FlowEndReason::kTimeout, on_end);
    return true;
}

template <class OnEnd> void FlowTable::flushAll(OnEnd&& on_end) {
    for (auto& list : lru_) {
        while (list.head != Flow::kNoFlow) {
            ++counters_.flushed;
            end(list.head, FlowEndReason::kShutdown, on_end);
        }
    }
}

} // namespace egressmon::core
