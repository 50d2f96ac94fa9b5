#pragma once
// The ICAP service's listening sockets: one per ICAP thread on the same address and port
// (SO_REUSEPORT), so the kernel spreads new connections over the threads and no accept is
// shared. Opened at start-up, before privileges are dropped (a port below 1024 needs them).

#include <cstdint>
#include <string>
#include <vector>

#include "core/unique_fd.h"

namespace egressmon::icap {

// Opens `count` non-blocking listening sockets on address:port (port 0: one the kernel picks,
// the same for all). Throws std::runtime_error naming the address and the reason.
std::vector<core::UniqueFd> openIcapListeners(const std::string& address, uint16_t port,
                                              unsigned count);

// The port a listening socket is bound to.
uint16_t boundPort(int fd);

} // namespace egressmon::icap
