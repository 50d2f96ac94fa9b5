#pragma once
// --home-net: the organisation's address ranges, and where a flow's ends sit relative to them.
// Built once at start-up, then read-only and shared by every worker.

#include <string>
#include <string_view>
#include <vector>

#include "flow.h"
#include "ip_address.h"

namespace egressmon::core {

struct Cidr {
    IpAddress network; // host bits cleared
    uint8_t prefix_len = 0;

    // "10.0.0.0/8", "fc00::/7", or a bare address (a /32 or /128). Throws std::invalid_argument
    // naming the bad text.
    static Cidr parse(std::string_view text);
    bool contains(const IpAddress& addr) const;
    std::string toString() const;
};

class HomeNet {
  public:
    static constexpr std::string_view kDefault = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";

    HomeNet() = default;
    // Comma-separated CIDR list; throws std::invalid_argument on the first bad entry.
    static HomeNet parse(std::string_view list);

    bool contains(const IpAddress& addr) const;
    NetRelation relation(const IpAddress& client, const IpAddress& server) const;
    const std::vector<Cidr>& ranges() const { return ranges_; }

  private:
    std::vector<Cidr> ranges_;
};

const char* netRelationName(NetRelation r);

} // namespace egressmon::core
