#include "fleet/bundle_cache.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/unique_fd.h"

namespace egressmon::fleet {

namespace {

std::string sysError(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

bool writeAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

} // namespace

BundleCache::BundleCache(std::string dir, size_t max_bytes)
    : dir_(std::move(dir)), path_(dir_ + "/policy.bundle"), max_bytes_(max_bytes) {}

std::optional<std::string> BundleCache::load(std::string& error) const {
    error.clear();
    core::UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt; // no cache yet: not an error
        error = sysError("cannot open", path_);
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        error = sysError("cannot stat", path_);
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        error = path_ + " is not a regular file";
        return std::nullopt;
    }
    if (static_cast<uint64_t>(st.st_size) > max_bytes_) {
        error =
            path_ + " is larger than a bundle may be (" + std::to_string(max_bytes_) + " bytes)";
        return std::nullopt;
    }
    std::string bytes(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < bytes.size()) {
        const ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = sysError("cannot read", path_);
            return std::nullopt;
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    bytes.resize(got);
    return bytes;
}

bool BundleCache::store(std::string_view bytes, std::string& error) const {
    error.clear();
    const std::string tmp = path_ + ".tmp";
    {
        core::UniqueFd fd(
            ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!fd) {
            error = sysError("cannot create", tmp);
            return false;
        }
        if (!writeAll(fd.get(), bytes)) {
            error = sysError("cannot write", tmp);
            ::unlink(tmp.c_str());
            return false;
        }
        if (::fsync(fd.get()) != 0) {
            error = sysError("cannot fsync", tmp);
            ::unlink(tmp.c_str());
            return false;
        }
    }
    if (::rename(tmp.c_str(), path_.c_str()) != 0) {
        error = sysError("cannot rename " + tmp + " to", path_);
        ::unlink(tmp.c_str());
        return false;
    }
    // The rename itself must survive a power cut, or a restart finds the old bundle.
    core::UniqueFd dir(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) ::fsync(dir.get());
    return true;
}

} // namespace egressmon::fleet
