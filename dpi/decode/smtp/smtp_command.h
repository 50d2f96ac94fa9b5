#pragma once
// Side-effect-free parse of one SMTP client command line (RFC 5321, RFC 3030 BDAT), the line
// terminator removed. Verbs are case-insensitive.
//
// Thread: any; no state.

#include <cstdint>
#include <string_view>

#include "dpi/decode/sniff_result.h"

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

// Whether `line` (terminator removed or not) is a command an SMTP client plausibly sends, by the
// shape of its arguments too: what the decoder resynchronises on after a gap and takes as clear
// text after STARTTLS. "DATA", "RSET", "QUIT", "STARTTLS" alone; "MAIL FROM:" (SEND, SOML, SAML
// too), "RCPT TO:"; EHLO/HELO/LHLO with one domain; a well-formed BDAT; AUTH with a mechanism and
// at most an initial response; XCLIENT/XFORWARD with anything; the other verbs with at most one
// argument. AUTH continuations and lines of prose ("Help is on the way") are not.
bool plausibleSmtpCommand(std::string_view line) noexcept;

// Whether a client -> server direction whose first bytes are `prefix` is an SMTP session: a
// client's first command is its greeting (EHLO/HELO/LHLO, any case, then a space or CR); the
// server's banner came before it. kNeedMore while `prefix` is a proper prefix of such an
// opening (at most 4 bytes); kNo as soon as it cannot be one. Looks at 5 bytes at most.
SniffResult sniffSmtpSession(std::string_view prefix) noexcept;

// Whether a server -> client direction whose first bytes are `prefix` is an SMTP server's:
// a greeting reply, code 220, 421 or 554 (RFC 5321 3.1, 4.2) then a space, '-', CR or LF.
// kNeedMore while `prefix` is a proper prefix of one (at most 3 bytes). Looks at 4 bytes at most.
SniffResult sniffSmtpReplies(std::string_view prefix) noexcept;

} // namespace egressmon::dpi
