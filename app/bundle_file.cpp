#include "app/bundle_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#include "core/unique_fd.h"

namespace egressmon::app {

std::string readBundleFile(const std::string& path, const fleet::BundleLimits& limits) {
    core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw std::runtime_error("cannot read bundle '" + path + "': " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<uint64_t>(st.st_size) > limits.max_bundle_bytes)
        throw std::runtime_error(path + ": malformed bundle: bundle of " +
                                 std::to_string(st.st_size) + " bytes (limit " +
                                 std::to_string(limits.max_bundle_bytes) + ")");
    std::string bytes;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw std::runtime_error("cannot read bundle '" + path + "': " + std::strerror(errno));
        if (n == 0) break;
        bytes.append(buf, static_cast<size_t>(n));
        // One byte over the limit is enough for the parser to name it.
        if (bytes.size() > limits.max_bundle_bytes) break;
    }
    return bytes;
}

} // namespace egressmon::app
