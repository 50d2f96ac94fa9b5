#pragma once
// One DNS message (RFC 1035) read from a UDP payload or one TCP-framed record: the header flags,
// the first question (name as lower-cased dotted text, type, class) and, for responses, which
// record types the answer section holds and how many RDATA bytes it carries.
//
// Bounded and noexcept: reads nothing past the span, follows at most kMaxPointerHops
// compression pointers per name, keeps at most 255 wire bytes of a name (RFC 1035 3.1), walks
// the answer section only as far as the message's own bytes go. Failure is a DnsParseStatus,
// and the fields parsed before the failure stay filled (a response whose answers are cut still
// names its question). Called on the worker that owns the flow; no state between calls.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace egressmon::dpi {

enum class DnsParseStatus : uint8_t {
    kOk,
    kTruncatedHeader,   // fewer than 12 bytes
    kNoQuestion,        // QDCOUNT is 0 (nothing to key on)
    kTruncatedName,     // a name runs past the end of the message
    kNameTooLong,       // a name is longer than 255 wire bytes
    kPointerLoop,       // more than kMaxPointerHops compression pointers in one name
    kBadLabelType,      // a label length byte with the reserved 0x40/0x80 prefix (RFC 6891 3)
    kTruncatedQuestion, // the question's type/class cut
    kTruncatedAnswer,   // an answer record cut (the question is valid)
};

std::string_view dnsParseStatusName(DnsParseStatus status) noexcept;

namespace dnstype {
inline constexpr uint16_t kA = 1;
inline constexpr uint16_t kNs = 2;
inline constexpr uint16_t kCname = 5;
inline constexpr uint16_t kNull = 10;
inline constexpr uint16_t kPtr = 12;
inline constexpr uint16_t kMx = 15;
inline constexpr uint16_t kTxt = 16;
inline constexpr uint16_t kAaaa = 28;
inline constexpr uint16_t kSrv = 33;
inline constexpr uint16_t kOpt = 41;
inline constexpr uint16_t kHttps = 65;
} // namespace dnstype

// Which record types an answer section holds (bits of DnsAnswerSummary::types).
namespace dnsanswer {
inline constexpr uint8_t kA = 0x01;
inline constexpr uint8_t kAaaa = 0x02;
inline constexpr uint8_t kCname = 0x04;
inline constexpr uint8_t kTxt = 0x08;
inline constexpr uint8_t kNull = 0x10;
inline constexpr uint8_t kOther = 0x20; // any other type (MX, PTR, SRV, ...)
} // namespace dnsanswer

struct DnsAnswerSummary {
    uint8_t types = 0;        // dnsanswer bits
    uint16_t records = 0;     // answer records read (<= ANCOUNT)
    uint32_t rdata_bytes = 0; // sum of their RDLENGTHs
};

inline constexpr size_t kDnsMaxNameWire = 255; // RFC 1035 3.1
inline constexpr int kMaxPointerHops = 32;     // compression pointers followed in one name

struct DnsMessage {
    uint16_t id = 0;
    bool is_response = false; // QR
    uint8_t opcode = 0;
    uint8_t rcode = 0;
    bool truncated_flag = false; // TC: the server cut the answer (the client retries over TCP)
    uint16_t qdcount = 0;
    uint16_t ancount = 0;

    // The first question, valid when has_question. The name: labels joined by '.', ASCII
    // letters lower-cased, every other byte (dots and NULs inside labels included) kept as is;
    // the root is the empty string. At most 253 characters (255 wire bytes).
    bool has_question = false;
    char name_buf[kDnsMaxNameWire] = {};
    uint8_t name_len = 0;
    uint8_t name_labels = 0;
    uint16_t qtype = 0;
    uint16_t qclass = 0;

    DnsAnswerSummary answers; // responses only

    std::string_view name() const noexcept { return {name_buf, name_len}; }
};

// Parses `wire` (a whole DNS message) into `out` (reset first).
DnsParseStatus parseDnsMessage(std::span<const uint8_t> wire, DnsMessage& out) noexcept;

// DNS over TCP (RFC 1035 4.2.2): each message has a 2-byte big-endian length in front.
enum class TcpDnsFrame : uint8_t {
    kMessage,  // `message` is the first whole message; `consumed` counts it and its prefix
    kNeedMore, // the prefix or the message is not complete yet: keep the bytes
    kEmpty,    // the prefix says 0: not a DNS stream (`consumed` is 2)
};

// Given a stream's bytes from a message boundary, finds the first framed message.
TcpDnsFrame splitTcpDnsMessage(std::span<const uint8_t> stream, std::span<const uint8_t>& message,
                               size_t& consumed) noexcept;

} // namespace egressmon::dpi
