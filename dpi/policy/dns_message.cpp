#include "dns_message.h"

namespace egressmon::dpi {

namespace {

uint16_t be16(const uint8_t* p) noexcept {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

constexpr size_t kHeaderBytes = 12;

// Decodes the name at `pos` into out.name_buf. On success `next` is the offset just after the
// name as it sits in the message (after its first pointer, if any).
DnsParseStatus readName(std::span<const uint8_t> wire, size_t pos, DnsMessage& out,
                        size_t& next) noexcept {
    size_t wire_bytes = 0; // as RFC 1035 counts a name: length octets and label octets
    size_t text = 0;
    int hops = 0;
    bool jumped = false;
    uint8_t labels = 0;
    for (;;) {
        if (pos >= wire.size()) return DnsParseStatus::kTruncatedName;
        const uint8_t len = wire[pos];
        if ((len & 0xC0) == 0xC0) {
            if (pos + 1 >= wire.size()) return DnsParseStatus::kTruncatedName;
            if (++hops > kMaxPointerHops) return DnsParseStatus::kPointerLoop;
            if (!jumped) next = pos + 2;
            jumped = true;
            pos = static_cast<size_t>((len & 0x3F) << 8 | wire[pos + 1]);
            continue;
        }
        if ((len & 0xC0) != 0) return DnsParseStatus::kBadLabelType;
        wire_bytes += 1 + len;
        if (wire_bytes > kDnsMaxNameWire) return DnsParseStatus::kNameTooLong;
        if (len == 0) {
            if (!jumped) next = pos + 1;
            break;
        }
        if (pos + 1 + len > wire.size()) return DnsParseStatus::kTruncatedName;
        if (text != 0) out.name_buf[text++] = '.';
        for (size_t i = 0; i < len; ++i) {
            const uint8_t c = wire[pos + 1 + i];
            out.name_buf[text++] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
        ++labels;
        pos += 1 + len;
    }
    // wire_bytes <= 255 counts the root octet and one length octet per label, so the text (a
    // dot per length octet but the first) is at most 253 characters.
    out.name_len = static_cast<uint8_t>(text);
    out.name_labels = labels;
    return DnsParseStatus::kOk;
}

// Steps over a name without decoding it (answer owners): labels up to the root or a pointer.
// Bounded by the message: every step moves forward.
bool skipName(std::span<const uint8_t> wire, size_t& pos) noexcept {
    for (;;) {
        if (pos >= wire.size()) return false;
        const uint8_t len = wire[pos];
        if ((len & 0xC0) == 0xC0) {
            if (pos + 2 > wire.size()) return false;
            pos += 2;
            return true;
        }
        if ((len & 0xC0) != 0) return false;
        pos += 1 + len;
        if (len == 0) return pos <= wire.size();
    }
}

uint8_t answerBit(uint16_t type) noexcept {
    switch (type) {
    case dnstype::kA: return dnsanswer::kA;
    case dnstype::kAaaa: return dnsanswer::kAaaa;
    case dnstype::kCname: return dnsanswer::kCname;
    case dnstype::kTxt: return dnsanswer::kTxt;
    case dnstype::kNull: return dnsanswer::kNull;
    default: return dnsanswer::kOther;
    }
}

} // namespace

std::string_view dnsParseStatusName(DnsParseStatus status) noexcept {
    switch (status) {
    case DnsParseStatus::kOk: return "ok";
    case DnsParseStatus::kTruncatedHeader: return "truncated_header";
    case DnsParseStatus::kNoQuestion: return "no_question";
    case DnsParseStatus::kTruncatedName: return "truncated_name";
    case DnsParseStatus::kNameTooLong: return "name_too_long";
    case DnsParseStatus::kPointerLoop: return "pointer_loop";
    case DnsParseStatus::kBadLabelType: return "bad_label_type";
    case DnsParseStatus::kTruncatedQuestion: return "truncated_question";
    case DnsParseStatus::kTruncatedAnswer: return "truncated_answer";
    }
    return "unknown";
}

DnsParseStatus parseDnsMessage(std::span<const uint8_t> wire, DnsMessage& out) noexcept {
    out = DnsMessage{};
    if (wire.size() < kHeaderBytes) return DnsParseStatus::kTruncatedHeader;
    out.id = be16(&wire[0]);
    const uint16_t flags = be16(&wire[2]);
    out.is_response = (flags & 0x8000) != 0;
    out.opcode = static_cast<uint8_t>(flags >> 11 & 0x0F);
    out.truncated_flag = (flags & 0x0200) != 0;
    out.rcode = static_cast<uint8_t>(flags & 0x0F);
    out.qdcount = be16(&wire[4]);
    out.ancount = be16(&wire[6]);
    if (out.qdcount == 0) return DnsParseStatus::kNoQuestion;

    size_t pos = kHeaderBytes;
    if (const auto status = readName(wire, pos, out, pos); status != DnsParseStatus::kOk) {
        out.name_len = 0;
        out.name_labels = 0;
        return status;
    }
    if (pos + 4 > wire.size()) return DnsParseStatus::kTruncatedQuestion;
    out.qtype = be16(&wire[pos]);
    out.qclass = be16(&wire[pos + 2]);
    out.has_question = true;
    pos += 4;
    if (!out.is_response) return DnsParseStatus::kOk;

    // Further questions (rare: QDCOUNT > 1 is not answered by common servers) are stepped over
    // to reach the answers.
    for (uint16_t q = 1; q < out.qdcount; ++q) {
        if (!skipName(wire, pos) || pos + 4 > wire.size()) return DnsParseStatus::kTruncatedAnswer;
        pos += 4;
    }
    for (uint16_t a = 0; a < out.ancount; ++a) {
        if (!skipName(wire, pos) || pos + 10 > wire.size()) return DnsParseStatus::kTruncatedAnswer;
        const uint16_t type = be16(&wire[pos]);
        const uint16_t rdlength = be16(&wire[pos + 8]);
        pos += 10;
        if (pos + rdlength > wire.size()) return DnsParseStatus::kTruncatedAnswer;
        pos += rdlength;
        out.answers.types |= answerBit(type);
        out.answers.records++;
        out.answers.rdata_bytes += rdlength;
    }
    return DnsParseStatus::kOk;
}

TcpDnsFrame splitTcpDnsMessage(std::span<const uint8_t> stream, std::span<const uint8_t>& message,
                               size_t& consumed) noexcept {
    message = {};
    consumed = 0;
    if (stream.size() < 2) return TcpDnsFrame::kNeedMore;
    const size_t len = be16(stream.data());
    if (len == 0) {
        consumed = 2;
        return TcpDnsFrame::kEmpty;
    }
    if (stream.size() < 2 + len) return TcpDnsFrame::kNeedMore;
    message = stream.subspan(2, len);
    consumed = 2 + len;
    return TcpDnsFrame::kMessage;
}

} // namespace egressmon::dpi
