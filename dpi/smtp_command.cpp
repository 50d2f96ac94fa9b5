#include "smtp_command.h"

#include "mime_header.h"

namespace egressmon::dpi {

namespace {

constexpr std::string_view kOtherVerbs[] = {
    "HELO", "EHLO", "LHLO", "MAIL", "RCPT",    "QUIT",     "NOOP", "VRFY", "EXPN", "HELP",
    "AUTH", "TURN", "ETRN", "ATRN", "XCLIENT", "XFORWARD", "SAML", "SEND", "SOML",
};

// "BDAT" SP size [SP "LAST"]
void parseBdat(std::string_view args, SmtpCommand& cmd) noexcept {
    args = mimeTrim(args);
    size_t i = 0;
    uint64_t size = 0;
    for (; i < args.size() && args[i] >= '0' && args[i] <= '9'; ++i) {
        if (size > (UINT64_MAX - 9) / 10) return; // absurd size: malformed
        size = size * 10 + static_cast<uint64_t>(args[i] - '0');
    }
    if (i == 0) return;
    const std::string_view rest = mimeTrim(args.substr(i));
    if (!rest.empty() && !mimeEqualsNoCase(rest, "LAST")) return;
    if (i < args.size() && args[i] != ' ' && args[i] != '\t') return;
    cmd.bdat_size = size;
    cmd.bdat_last = !rest.empty();
    cmd.bdat_valid = true;
}

} // namespace

SmtpCommand parseSmtpCommand(std::string_view line) noexcept {
    SmtpCommand cmd;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
    const size_t sp = line.find_first_of(" \t");
    const std::string_view verb = line.substr(0, sp);
    const std::string_view args =
        sp == std::string_view::npos ? std::string_view() : line.substr(sp);
    if (mimeEqualsNoCase(verb, "DATA")) {
        cmd.verb = SmtpVerb::Data;
    } else if (mimeEqualsNoCase(verb, "BDAT")) {
        cmd.verb = SmtpVerb::Bdat;
        parseBdat(args, cmd);
    } else if (mimeEqualsNoCase(verb, "RSET")) {
        cmd.verb = SmtpVerb::Rset;
    } else if (mimeEqualsNoCase(verb, "STARTTLS")) {
        cmd.verb = SmtpVerb::Starttls;
    } else {
        for (const std::string_view v : kOtherVerbs) {
            if (mimeEqualsNoCase(verb, v)) cmd.verb = SmtpVerb::Other;
        }
    }
    return cmd;
}

bool startsSmtpSession(std::string_view first) noexcept {
    if (first.size() < 5) return false;
    char verb[4];
    for (int i = 0; i < 4; ++i)
        verb[i] = static_cast<char>(first[i] & ~0x20); // ASCII upper
    const std::string_view v(verb, 4);
    return (v == "EHLO" || v == "HELO" || v == "LHLO") && (first[4] == ' ' || first[4] == '\r');
}

} // namespace egressmon::dpi
