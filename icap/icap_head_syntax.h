#pragma once
// Side-effect-free pieces of ICAP head parsing, each unit-tested directly: the request line,
// a block of header fields, the Encapsulated list, the encapsulated HTTP request head, and the
// numbers and tokens inside fields. IcapRequestParser frames the bytes and calls these on
// complete lines; what each accepts is described on IcapRequestParser (icap_request_parser.h).
//
// Reasons are string literals (static storage). Thread: any; nothing is shared.

#include <cstdint>
#include <string_view>
#include <vector>

#include "icap/icap_request_parser.h"

namespace egressmon::icap {

struct SyntaxResult {
    IcapError error = IcapError::None;
    std::string_view reason;
    explicit operator bool() const noexcept { return error == IcapError::None; }
};

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept;
std::string_view trimSpaces(std::string_view text) noexcept; // SP and HT at both ends
bool isToken(std::string_view text) noexcept;                // RFC 7230 token, not empty
// Decimal digits only (no sign, no space), at most `max`.
bool parseDecimal(std::string_view text, uint64_t max, uint64_t& out) noexcept;

// `METHOD SP icap-URI SP ICAP/1.0` (line end removed): fills method, uri, service_path.
SyntaxResult parseIcapRequestLine(std::string_view line, IcapRequestHead& head) noexcept;

// Header field lines, each ending in LF (CR before it dropped), closed by one empty line that
// must be the block's last bytes. Appends to `fields`.
SyntaxResult parseFieldBlock(std::string_view block, std::vector<HeaderField>& fields) noexcept;

// The Encapsulated value checked against RFC 3507 4.4.1 for `method`.
SyntaxResult parseEncapsulated(std::string_view value, IcapMethod method,
                               EncapsulatedOffsets& out) noexcept;
// The offset of the body entity (req-body, res-body, null-body or opt-body) of a parsed list.
uint32_t encapsulatedBodyOffset(const EncapsulatedOffsets& offsets) noexcept;

// The req-hdr section: request line, fields, empty line (and nothing after it). Keeps `raw`.
SyntaxResult parseHttpRequestHead(std::string_view section, HttpRequestHead& out) noexcept;

// An encapsulated header section kept raw (RESPMOD's res-hdr): a non-empty first line, and
// exactly one empty line, at its end.
SyntaxResult checkHeaderSectionFraming(std::string_view section) noexcept;

// Fills preview, allow_204, allow_trailers, encapsulated and has_body from head.fields.
SyntaxResult interpretIcapFields(IcapRequestHead& head) noexcept;

} // namespace egressmon::icap
