#pragma once
// `egressmon fleet status --brokers HOST:PORT[,...] --topic STATUS_TOPIC [--property
// KEY=VALUE]... [--timeout SECONDS] [--stale-after SECONDS]`: reads the status topic from its
// beginning to its current end and prints one line per sensor (fleet/fleet_status_table.h).
// Records that are not heartbeats are skipped and counted on `err`; an absent or empty topic
// is one line on `err` and exit 0; anything else that fails (brokers unreachable within
// --timeout, bad arguments) is one line "egressmon: ..." on `err` and exit 2.
//
// Main thread of the command, instead of the sensor.

#include <ostream>
#include <string>
#include <vector>

namespace egressmon::app {

// `args` follow "fleet": {"status", "--brokers", ...}. Returns the exit status.
int runFleetCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

std::string fleetUsageText();

} // namespace egressmon::app
