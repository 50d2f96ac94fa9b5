#pragma once
// Giving up privileges. The sensor needs root (or CAP_NET_RAW) only to open its capture
// sockets; everything after that, parsing hostile traffic above all, runs unprivileged, so a bug
// in a decoder cannot become root on the sensor. Start-up only; throws UsageError.

#include <string>
#include <sys/types.h>
#include <vector>

#include "app/options.h"

namespace egressmon::app {

struct RunAs {
    bool switch_user = false; // started as root, and not told to stay root
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
};

// Looks up --user before anything is opened, so a user that does not exist fails first.
// As root: the named user (default nobody; 'root' stays root, with a warning). Not root: no
// switch; --user may only name the current user.
RunAs resolveRunAs(const Options& o);

// The directories the sensor keeps writing into after the switch (the alert spool).
std::vector<std::string> directoriesKeptWritable(const Options& o);

// First thing in main(), before any thread: no_new_privs is per thread and inherited, so set
// there it covers every thread; it does not stand in the way of the setresuid below.
void forbidPrivilegeGain();

// Not root, but started with capabilities (ambient CAP_NET_RAW, file capabilities): drops all
// of them. Capabilities are per thread, so this runs right after the capture handles are open
// and before any other thread is started.
void dropCapabilitiesBeforeThreads();

// Called once the capture handles, output files, the spool and the metrics socket are open, and
// before the first packet. As root: hands `owned_dirs` (and the files in them) to the user, then
// setgroups/setresgid/setresuid (on every thread), and checks that root cannot be regained.
// Not root: checks that dropCapabilitiesBeforeThreads() left nothing.
void dropPrivileges(const RunAs& run_as, const std::vector<std::string>& owned_dirs);

} // namespace egressmon::app
