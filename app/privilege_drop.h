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

// Called once the capture handles, output files, the spool and the metrics socket are open, and
// before the first packet. As root: hands `owned_dirs` (and the files in them) to the user, then
// setgroups/setresgid/setresuid, and checks that root cannot be regained. Not root: drops every
// capability (a binary given cap_net_raw keeps none once its sockets are open). Both set
// no_new_privs, so nothing executed later can gain privileges either.
void dropPrivileges(const RunAs& run_as, const std::vector<std::string>& owned_dirs);

} // namespace egressmon::app
