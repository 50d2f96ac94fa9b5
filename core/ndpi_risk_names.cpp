#include "ndpi_risk_names.h"

namespace egressmon::core {

namespace {
#define EGRESSMON_RISK_NAME(name) #name,
constexpr const char* kNames[] = {EGRESSMON_NDPI_RISKS(EGRESSMON_RISK_NAME)};
#undef EGRESSMON_RISK_NAME
static_assert(sizeof kNames / sizeof kNames[0] == kNdpiRiskCount);

constexpr const char* kDnsTunnelName = "DNS_TUNNEL";
} // namespace

const char* ndpiRiskName(unsigned risk) noexcept {
    if (risk == kDnsTunnelRisk) return kDnsTunnelName;
    return risk >= 1 && risk <= kNdpiRiskCount ? kNames[risk - 1] : nullptr;
}

std::optional<unsigned> ndpiRiskByName(std::string_view name) noexcept {
    for (unsigned i = 0; i < kNdpiRiskCount; ++i)
        if (name == kNames[i]) return i + 1;
    if (name == kDnsTunnelName) return kDnsTunnelRisk;
    return std::nullopt;
}

std::string ndpiRiskNames() {
    std::string all;
    for (const char* name : kNames) {
        if (!all.empty()) all += ", ";
        all += name;
    }
    return all + ", " + kDnsTunnelName;
}

} // namespace egressmon::core
