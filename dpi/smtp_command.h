#pragma once
// Side-effect-free parse of one SMTP client command line (RFC 5321, RFC 3030 BDAT), the line
// terminator removed. Verbs are case-insensitive.
//
// Thread: any; no state.

#include <cstdint>
#include <string_view>

namespace egressmon::dpi {

enum class SmtpVerb : uint8_t {
    Unknown, // not an SMTP verb (AUTH continuation lines, extensions, garbage)
    Other,   // a known verb needing nothing here (EHLO, MAIL, RCPT, AUTH, NOOP, QUIT...)
    Rset,
    Data,
    Bdat,
    Starttls,
};

struct SmtpCommand {
    SmtpVerb verb = SmtpVerb::Unknown;
    // BDAT only: chunk size and LAST; bdat_valid false when the argument is malformed.
    uint64_t bdat_size = 0;
    bool bdat_last = false;
    bool bdat_valid = false;
};

SmtpCommand parseSmtpCommand(std::string_view line) noexcept;

// Whether a client -> server direction whose first bytes are `first` is an SMTP session: a
// client's first command is its greeting (EHLO/HELO/LHLO, any case); the server's banner came
// before it.
bool startsSmtpSession(std::string_view first) noexcept;

} // namespace egressmon::dpi
