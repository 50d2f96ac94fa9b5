#include "ip_address.h"

#include <arpa/inet.h>

namespace egressmon::core {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    std::string s(text);
    uint8_t buf[16];
    if (inet_pton(AF_INET, s.c_str(), buf) == 1) return fromV4(buf);
    if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return fromV6(buf);
    return std::nullopt;
}

std::string IpAddress::toString() const {
    char out[INET6_ADDRSTRLEN] = {0};
    if (family_ == 4)
        inet_ntop(AF_INET, bytes_.data(), out, sizeof out);
    else if (family_ == 6)
        inet_ntop(AF_INET6, bytes_.data(), out, sizeof out);
    return out;
}

} // namespace egressmon::core
