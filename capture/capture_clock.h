#pragma once
// Packet time for capture files, made safe to drive flow and fragment timeouts.
//
// Capture files carry corrupt or absurd timestamps (a flipped bit in tv_sec, a record from
// 1970 in a 2024 file). One such packet must not move the sensor's clock years ahead (nothing
// would expire again) or stamp records with impossible dates. Policy: a timestamp more than
// max_jump_us away from the clock is clamped to the clock and counted, unless the next packet
// confirms the jump (a real gap in the capture costs one clamped packet, a lone bad timestamp
// costs nothing else). The first packet of each file sets the clock freely, so files of
// different days can be read in one run.
//
// One instance per reader thread; noexcept.

#include <cstdint>

namespace egressmon::capture {

class CaptureClock {
  public:
    explicit CaptureClock(uint64_t max_jump_us = 3600ull * 1'000'000) : max_jump_us_(max_jump_us) {}

    // Timestamp to use for a packet whose header says (sec, usec).
    uint64_t sanitize(uint64_t sec, uint64_t usec) noexcept;

    // The next packet starts a new file: its time is taken as it is.
    void startFile() noexcept { started_ = false; }

    uint64_t now() const noexcept { return clock_us_; }
    uint64_t anomalies() const noexcept { return anomalies_; }

  private:
    uint64_t max_jump_us_;
    uint64_t clock_us_ = 0;
    uint64_t pending_jump_us_ = 0; // a far timestamp waiting for a second packet to confirm it
    bool started_ = false;
    uint64_t anomalies_ = 0;
};

} // namespace egressmon::capture
