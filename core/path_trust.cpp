#include "core/path_trust.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>

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
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    const std::string dir = parent.empty() ? std::string(".") : parent.string();
    struct stat dst {};
    if (::stat(dir.c_str(), &dst) != 0) return ""; // unreachable by path now: nothing to replace
    if ((dst.st_mode & S_IWOTH) && !(dst.st_mode & S_ISVTX))
        return writableByEveryone(std::string("its directory '").append(dir).append("'"),
                                  dst.st_mode, ", so anyone can replace the file");
    return "";
}

std::string whyDirectoryIsUntrusted(int dir_fd) {
    struct stat st {};
    if (::fstat(dir_fd, &st) != 0) return std::string("cannot stat it: ") + std::strerror(errno);
    if (st.st_mode & S_IWOTH) return writableByEveryone("it", st.st_mode);
    return "";
}

} // namespace egressmon::core
