#pragma once
// A batch of decoded packets travelling from a reader to one worker through an SpscRing.
// The reader copies each frame into the batch's arena (pcap reuses its buffer), so the batch
// owns every byte its packets point at. Batches are recycled through a second ring in the
// opposite direction, so the steady state allocates nothing.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "packet.h"

namespace egressmon::core {

class PacketBatch {
  public:
    static constexpr uint32_t kMaxPackets = 256;
    static constexpr uint32_t kArenaBytes = 512 * 1024;

    PacketBatch() {
        arena_.resize(kArenaBytes);
        packets_.reserve(kMaxPackets);
    }

    // True when one more frame of `bytes` bytes fits.
    bool fits(uint32_t bytes) const {
        return packets_.size() < kMaxPackets && used_ + bytes <= arena_.size();
    }

    // Copies the frame behind `p` into the arena and appends `p` re-pointed at the copy.
    // The caller checked fits() first, or the batch is empty (a frame larger than the arena
    // then grows it once; snaplens above 512 KiB are not a steady state).
    void add(const Packet& p, uint64_t flow_hash) {
        if (used_ + p.caplen > arena_.size()) arena_.resize(used_ + p.caplen);
        uint8_t* dst = arena_.data() + used_;
        std::copy(p.data, p.data + p.caplen, dst);
        packets_.push_back(p);
        packets_.back().data = dst;
        hashes_.push_back(flow_hash);
        used_ += p.caplen;
    }

    void clear() {
        packets_.clear();
        hashes_.clear();
        used_ = 0;
    }

    bool empty() const { return packets_.empty(); }
    uint32_t size() const { return static_cast<uint32_t>(packets_.size()); }
    const Packet& packet(uint32_t i) const { return packets_[i]; }
    uint64_t flowHash(uint32_t i) const { return hashes_[i]; }

    // Latest capture time the reader had reached when it sent this batch; lets an idle worker
    // advance its flow clock even when none of the packets are its own.
    uint64_t reader_time_us = 0;

  private:
    std::vector<uint8_t> arena_;
    std::vector<Packet> packets_;
    std::vector<uint64_t> hashes_;
    uint32_t used_ = 0;
};

} // namespace egressmon::core
