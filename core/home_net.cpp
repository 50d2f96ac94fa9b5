#include "home_net.h"

#include <charconv>
#include <stdexcept>

namespace egressmon::core {

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}
} // namespace

Cidr Cidr::parse(std::string_view text) {
    const std::string_view t = trim(text);
    const auto slash = t.find('/');
    const auto addr = IpAddress::parse(t.substr(0, slash));
    if (!addr) throw std::invalid_argument("not an IP address: '" + std::string(t) + "'");
    const unsigned max_len = addr->isV4() ? 32 : 128;
    unsigned len = max_len;
    if (slash != std::string_view::npos) {
        const std::string_view num = t.substr(slash + 1);
        const auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), len);
        if (ec != std::errc{} || end != num.data() + num.size() || num.empty() || len > max_len)
            throw std::invalid_argument("bad prefix length in '" + std::string(t) + "'");
    }
    auto bytes = addr->bytes();
    for (unsigned bit = len; bit < max_len; ++bit)
        bytes[bit / 8] &= ~(0x80 >> (bit % 8));
    Cidr c;
    c.network = addr->isV4() ? IpAddress::fromV4(bytes.data()) : IpAddress::fromV6(bytes.data());
    c.prefix_len = static_cast<uint8_t>(len);
    return c;
}

bool Cidr::contains(const IpAddress& addr) const {
    if (addr.family() != network.family()) return false;
    const auto& a = addr.bytes();
    const auto& n = network.bytes();
    const unsigned full = prefix_len / 8;
    for (unsigned i = 0; i < full; ++i)
        if (a[i] != n[i]) return false;
    if (const unsigned rest = prefix_len % 8) {
        const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
        if ((a[full] & mask) != n[full]) return false;
    }
    return true;
}

std::string Cidr::toString() const {
    return network.toString() + "/" + std::to_string(prefix_len);
}

HomeNet HomeNet::parse(std::string_view list) {
    HomeNet net;
    while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view item = trim(list.substr(0, comma));
        if (item.empty()) throw std::invalid_argument("empty entry in home-net list");
        net.ranges_.push_back(Cidr::parse(item));
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    if (net.ranges_.empty()) throw std::invalid_argument("home-net list is empty");
    return net;
}

bool HomeNet::contains(const IpAddress& addr) const {
    for (const Cidr& c : ranges_)
        if (c.contains(addr)) return true;
    return false;
}

NetRelation HomeNet::relation(const IpAddress& client, const IpAddress& server) const {
    const bool client_in = contains(client);
    const bool server_in = contains(server);
    if (client_in && !server_in) return NetRelation::kEgress;
    if (!client_in && server_in) return NetRelation::kIngress;
    return client_in ? NetRelation::kInternal : NetRelation::kExternal;
}

const char* netRelationName(NetRelation r) {
    switch (r) {
    case NetRelation::kEgress: return "egress";
    case NetRelation::kIngress: return "ingress";
    case NetRelation::kInternal: return "internal";
    case NetRelation::kExternal: return "external";
    }
    return "external";
}

} // namespace egressmon::core
