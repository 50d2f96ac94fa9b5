#pragma once
// Files that steer the sensor (rule and configuration files) and the directory it spools alerts
// into must not be writable by other local users: whoever can edit a rule file can blind the
// sensor, and whoever can write into the spool can forge or delete alerts. Start-up and reload
// only; the answers are reasons for an error message, empty when the path is trusted.

#include <string>
#include <string_view>

namespace egressmon::core {

// `fd` is the file already opened from `path`: the check is about the very file that is read.
// Untrusted: the file is writable by every user, or owned by someone other than root and the
// user egressmon runs as, or a directory on its resolved path is writable by every user (unless
// sticky and owned by root, as /tmp: then others cannot replace what is in it).
std::string whyFileIsUntrusted(int fd, const std::string& path);

// Reads all of a file that steers the sensor (a rule file, the configuration; `what` names it
// in messages) into `text`, then checks it as whyFileIsUntrusted does. Returns "" when the file
// was read and is trusted, else the message: "cannot read <what> '<path>': <system error>" or
// "refusing <what> '<path>': <reason>". `text` holds the bytes only on success.
std::string readTrustedFile(const std::string& path, std::string_view what, std::string& text);

// The same, for start-up and reload: the text, or the message as an `Error` (the caller's
// exception type).
template <class Error>
std::string readTrustedFileOrThrow(const std::string& path, std::string_view what) {
    std::string text;
    if (std::string error = readTrustedFile(path, what, text); !error.empty()) throw Error(error);
    return text;
}

// `dir_fd` is an open directory. Untrusted: writable by every user, sticky bit or not (others
// could still add files of their own).
std::string whyDirectoryIsUntrusted(int dir_fd);

} // namespace egressmon::core
