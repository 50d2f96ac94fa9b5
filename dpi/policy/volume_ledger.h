#pragma once
// Volume rules' running sums (INTERFACE.md "Application, risk and volume rules"): per inside
// host and volume rule, the payload bytes the host sent to outside hosts in the current window.
// One ledger is shared by every worker of the process: the file reader and the kernel's
// PACKET_FANOUT spread flows, not hosts, over workers, and a host's sum must count all of them.
//
// Shape: a fixed table of `max_hosts` slots, each with one window per volume rule ("column").
// A window is one 16-byte word {start_us, bytes:44 | flows:12 | generation:8} that only ever
// changes by compare-and-swap, so adding a packet's bytes takes no lock and exactly one adder
// sees the sum cross the rule's threshold: one alert per (host, rule, window), however many
// workers feed it. Finding or making a host's slot (acquire) takes the table's mutex, but once
// per flow when the flow is classified, never per packet: the flow keeps the handle.
//
// Memory follows the hosts seen: windows are allocated 1,024 slots at a time as hosts arrive
// (a chunk's pointer is published once, before any handle into it is handed out), and the
// per-slot vectors are reserved for max_hosts but only written as slots are taken.
//
// Bound: when every slot is taken, the host whose latest flow is oldest is evicted. Its slot's
// generation moves on, so a flow still holding the old handle is told (stale) and acquires its
// host again, which starts counting from zero; the caller counts evictions.
//
// Windows: a window opens at the first byte counted and covers [start, start + window); the
// first byte at or after its end opens the next. Across workers the sum is exact; only at a
// window's edge can a packet that one worker handles after another worker's later packet (by at
// most their lag, a batch or so) be counted in the window after its own.
//
// Thread: any. add() is lock-free; acquire() and hostsTracked() take the mutex.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/ip_address.h"

namespace egressmon::dpi {

struct VolumeColumn {
    uint64_t threshold_bytes = 0; // alert when the window's sum goes past this
    uint64_t window_us = 0;
};

class VolumeLedger {
  public:
    static constexpr uint32_t kNoSlot = 0xffffffffu;
    static constexpr uint64_t kMaxSum = (uint64_t{1} << 44) - 1; // sums stop (saturate) here
    static constexpr uint32_t kMaxFlows = (1u << 12) - 1;

    // Throws std::bad_alloc (start-up or reload, off the packet path).
    VolumeLedger(uint32_t max_hosts, std::vector<VolumeColumn> columns);

    struct Handle {
        uint32_t slot = kNoSlot;
        uint8_t generation = 0;
    };
    struct Acquired {
        Handle handle;        // slot kNoSlot: nothing can be tracked (max_hosts 0, no memory)
        bool evicted = false; // another host was evicted to make room
    };
    // The host's slot, made if new; marks the host as the most recently used.
    Acquired acquire(const core::IpAddress& host) noexcept;

    struct Added {
        bool stale = false;   // the host was evicted since `handle` was acquired: nothing added
        bool crossed = false; // this addition took the window's sum past the threshold
        uint64_t bytes = 0;   // the window's sum after it
        uint32_t flows = 0;   // flows that added to the window (saturates at kMaxFlows)
        uint64_t window_start_us = 0;
    };
    // Adds `bytes` sent at `ts_us` to column `column` of the handle's host. `counted_window` is
    // the caller's (one flow's) memory of the window it last added to in this column (0: none),
    // which tells whether the flow is new to the window; updated.
    Added add(Handle handle, uint32_t column, uint64_t bytes, uint64_t ts_us,
              uint64_t& counted_window) noexcept;

    uint32_t columns() const noexcept { return static_cast<uint32_t>(columns_.size()); }
    uint32_t maxHosts() const noexcept { return max_hosts_; }
    uint32_t hostsTracked() const;

  private:
    struct alignas(16) Window {
        uint64_t start_us = 0; // 0: no byte counted yet
        uint64_t packed = 0;   // bytes << 20 | flows << 8 | generation
    };
    struct HostHash {
        size_t operator()(const core::IpAddress& a) const noexcept;
    };

    static constexpr uint32_t kChunkShift = 10; // 1,024 hosts' windows per allocation

    std::atomic<Window>& window(uint32_t slot, uint32_t column) noexcept {
        std::atomic<Window>* chunk = chunks_[slot >> kChunkShift].load(std::memory_order_acquire);
        return chunk[static_cast<size_t>(slot & ((1u << kChunkShift) - 1)) * columns_.size() +
                     column];
    }
    // Under mutex_: the windows of `slot` exist (allocated with its chunk's first slot).
    bool haveWindows(uint32_t slot) noexcept;
    void unlink(uint32_t slot) noexcept;
    void pushFront(uint32_t slot) noexcept;

    const uint32_t max_hosts_;
    const std::vector<VolumeColumn> columns_;
    // One pointer per chunk of 1,024 slots, null until its first slot is taken; adders read
    // them without the mutex, so they are atomic. The chunks themselves are owned by owned_.
    std::unique_ptr<std::atomic<std::atomic<Window>*>[]> chunks_;
    std::vector<std::unique_ptr<std::atomic<Window>[]>> owned_;

    // Under mutex_: which host has which slot, and the slots by recency of their latest flow.
    mutable std::mutex mutex_;
    std::unordered_map<core::IpAddress, uint32_t, HostHash> slot_of_;
    std::vector<core::IpAddress> host_of_;
    std::vector<uint8_t> generation_;
    std::vector<uint32_t> prev_, next_; // LRU links; head_ most recent
    uint32_t head_ = kNoSlot, tail_ = kNoSlot;
    uint32_t used_ = 0;
};

} // namespace egressmon::dpi
