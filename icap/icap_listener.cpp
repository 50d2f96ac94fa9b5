#include "icap/icap_listener.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>

#include "core/ip_address.h"

namespace egressmon::icap {

namespace {

constexpr int kBacklog = 1024;

struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
};

SocketAddress socketAddress(const std::string& address, uint16_t port) {
    const auto ip = core::IpAddress::parse(address);
    if (!ip) throw std::runtime_error("icap: '" + address + "' is not an IP address");
    SocketAddress sa;
    if (ip->isV4()) {
        auto* in = reinterpret_cast<sockaddr_in*>(&sa.storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        std::memcpy(&in->sin_addr, ip->bytes().data(), 4);
        sa.length = sizeof(sockaddr_in);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&sa.storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        std::memcpy(&in6->sin6_addr, ip->bytes().data(), 16);
        sa.length = sizeof(sockaddr_in6);
    }
    return sa;
}

core::UniqueFd openOne(const std::string& address, const SocketAddress& sa) {
    core::UniqueFd fd(
        ::socket(sa.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
    if (!fd) throw std::runtime_error("icap: socket: " + std::string(std::strerror(errno)));
    const int on = 1;
    // SO_REUSEADDR: a restarted sensor rebinds while old connections are in TIME_WAIT;
    // SO_REUSEPORT: one socket per ICAP thread on the same port.
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
        throw std::runtime_error("icap: SO_REUSEPORT: " + std::string(std::strerror(errno)));
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa.storage), sa.length) != 0)
        throw std::runtime_error(
            "icap: cannot listen on " + address + ":" +
            std::to_string(ntohs(reinterpret_cast<const sockaddr_in*>(&sa.storage)->sin_port)) +
            ": " + std::strerror(errno));
    if (::listen(fd.get(), kBacklog) != 0)
        throw std::runtime_error("icap: listen: " + std::string(std::strerror(errno)));
    return fd;
}

} // namespace

uint16_t boundPort(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
    // sin_port and sin6_port sit at the same offset.
    return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
}

std::vector<core::UniqueFd> openIcapListeners(const std::string& address, uint16_t port,
                                              unsigned count) {
    std::vector<core::UniqueFd> out;
    SocketAddress sa = socketAddress(address, port);
    for (unsigned i = 0; i < count; ++i) {
        out.push_back(openOne(address, sa));
        // Port 0: the kernel chose one for the first socket; the others join it.
        if (i == 0 && port == 0) sa = socketAddress(address, boundPort(out.front().get()));
    }
    return out;
}

} // namespace egressmon::icap
