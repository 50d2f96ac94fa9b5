#include "core/path_trust.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace egressmon::core {

namespace {

// "<what> is writable by every user (mode 0666)<tail>".
std::string writableByEveryone(const std::string& what, mode_t mode, const char* tail = "") {
    char text[160];
    std::snprintf(text, sizeof text, " is writable by every user (mode %04o)%s",
                  static_cast<unsigned>(mode & 07777), tail);
    std::string why = what;
    why.append(text);
    return why;
}

} // namespace

std::string whyFileIsUntrusted(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return std::string("cannot stat it: ") + std::strerror(errno);
    if (st.st_mode & S_IWOTH) return writableByEveryone("it", st.st_mode);
    // Its owner can rewrite it whatever the mode says: root or the user egressmon runs as.
    if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
        char why[96];
        std::snprintf(why, sizeof why,
                      "it is owned by uid %u, neither root nor the user "
                      "egressmon runs as",
                      static_cast<unsigned>(st.st_uid));
        return why;
    }
    // Every directory on the way to the file itself (links resolved): one that others can
    // write lets them replace what lies below it. A sticky one owned by root (/tmp) does not.
    char* resolved = ::realpath(path.c_str(), nullptr);
    if (!resolved) return ""; // no longer reachable by name: nothing to replace
    std::filesystem::path dir = std::filesystem::path(resolved).parent_path();
    std::free(resolved);
    for (;;) {
        struct stat dst {};
        if (::stat(dir.c_str(), &dst) == 0 && (dst.st_mode & S_IWOTH) &&
            !((dst.st_mode & S_ISVTX) && dst.st_uid == 0))
            return writableByEveryone(
                std::string("directory '").append(dir.string()).append("' on its path"),
                dst.st_mode, ", so anyone can replace the file");
        if (!dir.has_relative_path()) break; // "/" checked
        dir = dir.parent_path();
    }
    return "";
}

std::string readTrustedFile(const std::string& path, std::string_view what, std::string& text) {
    text.clear();
    const auto cannotRead = [&] {
        return std::string("cannot read ").append(what).append(" '" + path + "': ") +
               std::strerror(errno);
    };
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cannotRead();
    std::string error;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { // a directory fails here, as unreadable, before any trust check
            error = cannotRead();
            break;
        }
        text.append(buf, static_cast<size_t>(n));
    }
    if (error.empty()) {
        if (const std::string why = whyFileIsUntrusted(fd, path); !why.empty())
            error = std::string("refusing ").append(what).append(" '" + path + "': ") + why;
    }
    ::close(fd);
    if (!error.empty()) text.clear();
    return error;
}

std::string whyDirectoryIsUntrusted(int dir_fd) {
    struct stat st {};
    if (::fstat(dir_fd, &st) != 0) return std::string("cannot stat it: ") + std::strerror(errno);
    if (st.st_mode & S_IWOTH) return writableByEveryone("it", st.st_mode);
    return "";
}

} // namespace egressmon::core
