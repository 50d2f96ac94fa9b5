#include "app/privilege_drop.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <iostream>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#include "core/c_handle.h"

namespace egressmon::app {

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kLeakCheckedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kLeakCheckedBuild = true;
#else
constexpr bool kLeakCheckedBuild = false;
#endif
#else
constexpr bool kLeakCheckedBuild = false;
#endif

std::string errnoText() {
    return std::strerror(errno);
}

struct UserEntry {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
};

bool lookUpUser(const std::string& name, UserEntry& out) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found) return false;
    out = {found->pw_name, found->pw_uid, found->pw_gid};
    return true;
}

std::string currentUserName() {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found)
        return found->pw_name;
    return std::to_string(getuid());
}

// The spool was created (or found) by root; the unprivileged user must go on writing it. No
// link is followed: neither the directory itself nor anything in it, and only plain files with
// one name are handed over, so links planted by the user (or by whoever had that uid before)
// cannot make root chown anything else.
void handOver(const std::string& dir, uid_t uid, gid_t gid) {
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dir_fd < 0)
        throw UsageError("cannot open '" + dir + "' to hand it to the run-as user: " + errnoText());
    const core::CHandle<DIR, closedir> d(fdopendir(dir_fd)); // owns dir_fd once opened
    if (!d) {
        ::close(dir_fd);
        throw UsageError("cannot list '" + dir + "': " + errnoText());
    }
    std::string failed;
    if (fchown(dir_fd, uid, gid) != 0) failed = dir;
    while (const dirent* e = readdir(d.get())) {
        struct stat st {};
        if (fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            st.st_nlink != 1)
            continue;
        if (fchownat(dir_fd, e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 && failed.empty())
            failed = dir + "/" + e->d_name;
    }
    if (!failed.empty()) // errnoText() is read before `d` is closed
        throw UsageError("cannot hand '" + failed + "' to the run-as user: " + errnoText());
}

bool hasAnyCapability() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (syscall(SYS_capget, &header, data) != 0) return true; // unknown: treat as held
    for (const auto& d : data)
        if (d.effective || d.permitted || d.inheritable) return true;
    return false;
}

void dropAllCapabilities() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (syscall(SYS_capset, &header, data) != 0)
        throw UsageError("cannot drop capabilities: " + errnoText());
    // Ambient capabilities would come back on exec; no_new_privs and an empty permitted set
    // already prevent that, this makes the state plain to read in /proc.
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

} // namespace

RunAs resolveRunAs(const Options& o) {
    RunAs r;
    if (geteuid() != 0) {
        if (!o.user.empty() && o.user != currentUserName())
            throw UsageError("--user " + o.user + ": switching users needs root (running as '" +
                             currentUserName() + "')");
        return r;
    }
    const std::string name = o.user.empty() ? "nobody" : o.user;
    UserEntry user;
    if (!lookUpUser(name, user)) throw UsageError("--user " + name + ": no such user");
    if (user.uid == 0) {
        std::cerr << "egressmon: warning: --user " << name
                  << ": staying root; every decoder runs with full privileges\n";
        return r;
    }
    r.switch_user = true;
    r.name = user.name;
    r.uid = user.uid;
    r.gid = user.gid;
    return r;
}

std::vector<std::string> directoriesKeptWritable(const Options& o) {
    std::vector<std::string> dirs;
    if (o.alerts.rfind("kafka://", 0) == 0) dirs.push_back(o.kafka.spool.dir);
    // The fleet agent writes each bundle it takes into its cache (made at start-up).
    if (o.fleet.takesBundles()) dirs.push_back(o.fleet.cache_dir);
    return dirs;
}

void forbidPrivilegeGain() {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        throw UsageError("cannot set no_new_privs: " + errnoText());
}

void dropCapabilitiesBeforeThreads() {
    if (geteuid() != 0 && hasAnyCapability()) dropAllCapabilities();
}

void dropPrivileges(const RunAs& run_as, const std::vector<std::string>& owned_dirs) {
    if (run_as.switch_user) {
        const std::string who = "'" + run_as.name + "'";
        const std::string hint = " (root without CAP_SETUID/CAP_SETGID, as in a container that "
                                 "drops them: use --user root)";
        // Groups first (before the spool changes hands, so a refusal changes nothing): after
        // setresuid there is no privilege left to change them.
        if (setgroups(0, nullptr) != 0)
            throw UsageError("cannot clear supplementary groups: " + errnoText() + hint);
        for (const std::string& dir : owned_dirs)
            handOver(dir, run_as.uid, run_as.gid);
        if (setresgid(run_as.gid, run_as.gid, run_as.gid) != 0)
            throw UsageError("cannot switch to the group of " + who + ": " + errnoText() + hint);
        // glibc applies this to every thread of the process (the sinks', the reloader's and
        // the metrics server's are already running); the kernel clears each one's capabilities.
        if (setresuid(run_as.uid, run_as.uid, run_as.uid) != 0)
            throw UsageError("cannot switch to user " + who + ": " + errnoText() + hint);
        // Paranoia, as every privilege-separating daemon does: the switch must be one-way.
        if (setuid(0) == 0 || geteuid() == 0 || hasAnyCapability())
            throw UsageError("switched to user " + who + " but could regain root; refusing to run");
        // The kernel makes a process that changed its uid non-dumpable, and LeakSanitizer's
        // exit-time check attaches to its own threads with ptrace, which that forbids; only in
        // sanitizer builds is the flag put back (to the unprivileged user, nobody else).
        if (kLeakCheckedBuild) prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    } else if (geteuid() != 0 && hasAnyCapability()) {
        // Capabilities are per thread: dropCapabilitiesBeforeThreads() must have run first.
        throw UsageError("capabilities still held after the capture handles were opened");
    }
}

} // namespace egressmon::app
