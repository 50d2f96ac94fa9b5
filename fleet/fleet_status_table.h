#pragma once
// What `egressmon fleet status` prints, without Kafka: the heartbeats read from the status
// topic go in (in the topic's order), the latest per sensor is kept, and lines() gives a header
// and one aligned line per sensor, sorted by name:
//
//   SENSOR  VERSION  POLICY                    AGE    PKTS/S  DROPS  ALERTS  SPOOL  LAST-ERROR
//   site-a  0.4.0    7534ab07fffc bundle 42  3s     34.3    0      12      0      -
//   site-b  0.4.0    -                         2m05s  0.0     0      0       0      -  STALE
//
// AGE is now minus the heartbeat's timestamp (negative when the sensor's clock is ahead);
// STALE marks a sensor whose age is past the stale bound: `stale_after_s` when given, else
// three of that sensor's heartbeat intervals. Text from the topic is shown with control
// characters replaced by '?', so a record cannot drive the operator's terminal.
//
// Main thread of `egressmon fleet status`; plain value type, no failure modes.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fleet/heartbeat.h"

namespace egressmon::fleet {

class FleetStatusTable {
  public:
    explicit FleetStatusTable(std::optional<uint64_t> stale_after_s = std::nullopt)
        : stale_after_s_(stale_after_s) {}

    // Keeps `h` unless the sensor already has a later one (by timestamp); on equal timestamps
    // the one added last wins, as later in the topic.
    void add(Heartbeat h);

    size_t sensors() const { return latest_.size(); }
    bool isStale(const Heartbeat& h, uint64_t now_ms) const;

    // The header, then one line per sensor sorted by name; no trailing newlines.
    std::vector<std::string> lines(uint64_t now_ms) const;

  private:
    std::optional<uint64_t> stale_after_s_;
    std::map<std::string, Heartbeat> latest_; // by sensor name: sorted as printed
};

// "3s", "2m05s", "1h02m", "3d04h"; a negative age gets a '-'.
std::string formatAge(int64_t age_ms);

} // namespace egressmon::fleet
