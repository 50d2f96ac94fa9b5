#pragma once
// nDPI 4.2's flow risks by name: ndpi_risk_enum's members without "NDPI_", in the enum's order
// (the name at position i is risk number i + 1; 0 is NDPI_NO_RISK). Rule files (`risks:`),
// alerts and flow records (`ndpi.risks`) use these names. Kept here, free of nDPI, so rules/
// can check names at load; dpi/classify checks at compile time that the list is nDPI's enum,
// member for member (flow_classifier.cpp), so a different nDPI fails the build, not a rule.
//
// Thread: any; constant data.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace egressmon::core {

// One X(NAME) per risk, in ndpi_risk_enum order from NDPI_URL_POSSIBLE_XSS (1).
#define EGRESSMON_NDPI_RISKS(X)                                                                    \
    X(URL_POSSIBLE_XSS)                                                                            \
    X(URL_POSSIBLE_SQL_INJECTION)                                                                  \
    X(URL_POSSIBLE_RCE_INJECTION)                                                                  \
    X(BINARY_APPLICATION_TRANSFER)                                                                 \
    X(KNOWN_PROTOCOL_ON_NON_STANDARD_PORT)                                                         \
    X(TLS_SELFSIGNED_CERTIFICATE)                                                                  \
    X(TLS_OBSOLETE_VERSION)                                                                        \
    X(TLS_WEAK_CIPHER)                                                                             \
    X(TLS_CERTIFICATE_EXPIRED)                                                                     \
    X(TLS_CERTIFICATE_MISMATCH)                                                                    \
    X(HTTP_SUSPICIOUS_USER_AGENT)                                                                  \
    X(HTTP_NUMERIC_IP_HOST)                                                                        \
    X(HTTP_SUSPICIOUS_URL)                                                                         \
    X(HTTP_SUSPICIOUS_HEADER)                                                                      \
    X(TLS_NOT_CARRYING_HTTPS)                                                                      \
    X(SUSPICIOUS_DGA_DOMAIN)                                                                       \
    X(MALFORMED_PACKET)                                                                            \
    X(SSH_OBSOLETE_CLIENT_VERSION_OR_CIPHER)                                                       \
    X(SSH_OBSOLETE_SERVER_VERSION_OR_CIPHER)                                                       \
    X(SMB_INSECURE_VERSION)                                                                        \
    X(TLS_SUSPICIOUS_ESNI_USAGE)                                                                   \
    X(UNSAFE_PROTOCOL)                                                                             \
    X(DNS_SUSPICIOUS_TRAFFIC)                                                                      \
    X(TLS_MISSING_SNI)                                                                             \
    X(HTTP_SUSPICIOUS_CONTENT)                                                                     \
    X(RISKY_ASN)                                                                                   \
    X(RISKY_DOMAIN)                                                                                \
    X(MALICIOUS_JA3)                                                                               \
    X(MALICIOUS_SHA1_CERTIFICATE)                                                                  \
    X(DESKTOP_OR_FILE_SHARING_SESSION)                                                             \
    X(TLS_UNCOMMON_ALPN)                                                                           \
    X(TLS_CERT_VALIDITY_TOO_LONG)                                                                  \
    X(TLS_SUSPICIOUS_EXTENSION)                                                                    \
    X(TLS_FATAL_ALERT)                                                                             \
    X(SUSPICIOUS_ENTROPY)                                                                          \
    X(CLEAR_TEXT_CREDENTIALS)                                                                      \
    X(DNS_LARGE_PACKET)                                                                            \
    X(DNS_FRAGMENTED)                                                                              \
    X(INVALID_CHARACTERS)                                                                          \
    X(POSSIBLE_EXPLOIT)                                                                            \
    X(TLS_CERTIFICATE_ABOUT_TO_EXPIRE)                                                             \
    /* one X(...) per risk, above this line */

// Risk numbers run from 1 to kNdpiRiskCount; a flow's risks are a bit mask (bit n: risk n), as
// nDPI's ndpi_risk.
inline constexpr unsigned kNdpiRiskCount = 0
#define EGRESSMON_COUNT_RISK(name) +1
    EGRESSMON_NDPI_RISKS(EGRESSMON_COUNT_RISK)
#undef EGRESSMON_COUNT_RISK
    ;

// egressmon's own risks, beside nDPI's in the same mask, on a bit nDPI 4.2 never sets: the DNS
// tunnel detector's verdict (dpi/policy/dns_tunnel_detector.h), "DNS_TUNNEL" in rules and
// records. A flow gets it while it runs, after classification (INTERFACE.md: "or a later
// risk").
inline constexpr unsigned kDnsTunnelRisk = 63;
static_assert(kNdpiRiskCount < kDnsTunnelRisk, "risks are a 64-bit mask");

// "DESKTOP_OR_FILE_SHARING_SESSION" for 30, "DNS_TUNNEL" for kDnsTunnelRisk; nullptr for any
// other number outside 1..kNdpiRiskCount.
const char* ndpiRiskName(unsigned risk) noexcept;
// The number of a risk name (exact spelling); nullopt when neither nDPI 4.2 nor egressmon has
// such a risk.
std::optional<unsigned> ndpiRiskByName(std::string_view name) noexcept;
// Every name, comma-separated, for error messages.
std::string ndpiRiskNames();

} // namespace egressmon::core
