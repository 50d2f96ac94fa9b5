#include "dpi/decode/smtp/smtp_command.h"

#include "dpi/decode/mime/mime_header.h"

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

namespace {

char asciiUpper(char c) noexcept {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

bool startsNoCase(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && mimeEqualsNoCase(s.substr(0, prefix.size()), prefix);
}

size_t wordCount(std::string_view s) noexcept {
    size_t words = 0;
    bool in_word = false;
    for (const char c : s) {
        const bool blank = c == ' ' || c == '\t';
        if (!blank && !in_word) ++words;
        in_word = !blank;
    }
    return words;
}

} // namespace

bool plausibleSmtpCommand(std::string_view line) noexcept {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ' ||
                             line.back() == '\t'))
        line.remove_suffix(1);
    for (const char c : line) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u >= 0x7f) return false;
    }
    const SmtpCommand cmd = parseSmtpCommand(line);
    if (cmd.verb == SmtpVerb::Unknown) return false;
    const size_t sp = line.find_first_of(" \t");
    const std::string_view verb = line.substr(0, sp);
    const std::string_view args =
        sp == std::string_view::npos ? std::string_view() : mimeTrim(line.substr(sp));
    switch (cmd.verb) {
    case SmtpVerb::Data:
    case SmtpVerb::Rset:
    case SmtpVerb::Starttls: return args.empty();
    case SmtpVerb::Bdat: return cmd.bdat_valid;
    case SmtpVerb::Unknown: return false;
    case SmtpVerb::Other: break;
    }
    if (mimeEqualsNoCase(verb, "QUIT")) return args.empty();
    if (mimeEqualsNoCase(verb, "MAIL") || mimeEqualsNoCase(verb, "SEND") ||
        mimeEqualsNoCase(verb, "SOML") || mimeEqualsNoCase(verb, "SAML"))
        return startsNoCase(args, "FROM:");
    if (mimeEqualsNoCase(verb, "RCPT")) return startsNoCase(args, "TO:");
    if (mimeEqualsNoCase(verb, "XCLIENT") || mimeEqualsNoCase(verb, "XFORWARD")) return true;
    const size_t words = wordCount(args);
    if (mimeEqualsNoCase(verb, "AUTH")) return words == 1 || words == 2; // mechanism [response]
    if (mimeEqualsNoCase(verb, "EHLO") || mimeEqualsNoCase(verb, "HELO") ||
        mimeEqualsNoCase(verb, "LHLO"))
        return words == 1;
    return words <= 1; // NOOP, HELP, VRFY, EXPN, ETRN...: not a line of prose
}

SniffResult sniffSmtpSession(std::string_view prefix) noexcept {
    static constexpr std::string_view kGreetings[] = {"EHLO", "HELO", "LHLO"};
    const size_t n = prefix.size() < 4 ? prefix.size() : 4;
    bool verb = false;
    for (const std::string_view g : kGreetings) {
        bool same = true;
        for (size_t i = 0; i < n && same; ++i)
            same = asciiUpper(prefix[i]) == g[i];
        verb = verb || same;
    }
    if (!verb) return SniffResult::kNo;
    if (prefix.size() < 5) return SniffResult::kNeedMore;
    return prefix[4] == ' ' || prefix[4] == '\r' ? SniffResult::kYes : SniffResult::kNo;
}

SniffResult sniffSmtpReplies(std::string_view prefix) noexcept {
    static constexpr std::string_view kGreetings[] = {"220", "421", "554"};
    const size_t n = prefix.size() < 3 ? prefix.size() : 3;
    bool code = false;
    for (const std::string_view g : kGreetings)
        code = code || prefix.substr(0, n) == g.substr(0, n);
    if (!code) return SniffResult::kNo;
    if (prefix.size() < 4) return SniffResult::kNeedMore;
    const char c = prefix[3];
    return c == ' ' || c == '-' || c == '\r' || c == '\n' ? SniffResult::kYes : SniffResult::kNo;
}

} // namespace egressmon::dpi
