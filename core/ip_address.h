#pragma once
// IPv4/IPv6 address as a plain value type. No third-party dependencies so every stage can use it.

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace egressmon::core {

// Holds an IPv4 address in bytes[0..3] (rest zero) or an IPv6 address in all 16 bytes,
// always in network byte order. family_ is 4, 6, or 0 for "no address".
class IpAddress {
  public:
    IpAddress() = default;

    static IpAddress fromV4(const uint8_t* network_order_bytes) {
        IpAddress a;
        std::memcpy(a.bytes_.data(), network_order_bytes, 4);
        a.family_ = 4;
        return a;
    }
    static IpAddress fromV6(const uint8_t* network_order_bytes) {
        IpAddress a;
        std::memcpy(a.bytes_.data(), network_order_bytes, 16);
        a.family_ = 6;
        return a;
    }
    // Parses dotted-quad IPv4 or RFC 4291 IPv6 text; nullopt when it is neither.
    static std::optional<IpAddress> parse(std::string_view text);

    uint8_t family() const { return family_; }
    bool isV4() const { return family_ == 4; }
    bool isV6() const { return family_ == 6; }
    const std::array<uint8_t, 16>& bytes() const { return bytes_; }

    // inet_ntop spelling: "10.0.0.1", "2001:db8::1".
    std::string toString() const;

    friend bool operator==(const IpAddress&, const IpAddress&) = default;
    // Total order (family, then bytes) used to orient flow keys canonically.
    friend auto operator<=>(const IpAddress& a, const IpAddress& b) {
        if (auto c = a.family_ <=> b.family_; c != 0) return c;
        return std::memcmp(a.bytes_.data(), b.bytes_.data(), 16) <=> 0;
    }

  private:
    std::array<uint8_t, 16> bytes_{};
    uint8_t family_ = 0;
};

} // namespace egressmon::core
