#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "dpi/decode/smtp/smtp_command.h"

namespace egressmon::dpi {
namespace {

TEST(SmtpCommand, Verbs) {
    EXPECT_EQ(parseSmtpCommand("data").verb, SmtpVerb::Data);
    EXPECT_EQ(parseSmtpCommand("DATA\r").verb, SmtpVerb::Data);
    EXPECT_EQ(parseSmtpCommand("StartTLS").verb, SmtpVerb::Starttls);
    EXPECT_EQ(parseSmtpCommand("MAIL FROM:<a@b>").verb, SmtpVerb::Other);
    EXPECT_EQ(parseSmtpCommand("rset").verb, SmtpVerb::Rset);
    EXPECT_EQ(parseSmtpCommand("dXNlcg==").verb, SmtpVerb::Unknown);
    EXPECT_EQ(parseSmtpCommand("").verb, SmtpVerb::Unknown);
}

TEST(SmtpCommand, Bdat) {
    SmtpCommand c = parseSmtpCommand("BDAT 1234");
    EXPECT_TRUE(c.bdat_valid);
    EXPECT_EQ(c.bdat_size, 1234u);
    EXPECT_FALSE(c.bdat_last);
    c = parseSmtpCommand("bdat 0 last\r");
    EXPECT_TRUE(c.bdat_valid);
    EXPECT_EQ(c.bdat_size, 0u);
    EXPECT_TRUE(c.bdat_last);
    EXPECT_FALSE(parseSmtpCommand("BDAT").bdat_valid);
    EXPECT_FALSE(parseSmtpCommand("BDAT 12x").bdat_valid);
    EXPECT_FALSE(parseSmtpCommand("BDAT 12 FIRST").bdat_valid);
    EXPECT_FALSE(parseSmtpCommand("BDAT 99999999999999999999999").bdat_valid);
}

} // namespace
} // namespace egressmon::dpi

using egressmon::dpi::SniffResult;
using egressmon::dpi::sniffSmtpSession;

TEST(SmtpCommand, SessionStartsWithAGreetingInAnyCase) {
    EXPECT_EQ(sniffSmtpSession("EHLO ws.corp.example\r\n"), SniffResult::kYes);
    EXPECT_EQ(sniffSmtpSession("helo host\r\n"), SniffResult::kYes);
    EXPECT_EQ(sniffSmtpSession("LHLO\r\n"), SniffResult::kYes);
    EXPECT_NE(sniffSmtpSession("EHLOX host"), SniffResult::kYes);
    EXPECT_NE(sniffSmtpSession("GET / HTTP/1.1"), SniffResult::kYes);
    EXPECT_NE(sniffSmtpSession("EHL"), SniffResult::kYes);
}

namespace egressmon::dpi {
namespace {

// Every split point of a greeting: a proper prefix asks for more, the whole says yes, in any
// case; the split does not change the answer for the bytes so far.
TEST(SmtpSniff, EveryPrefixOfAGreetingNeedsMore) {
    for (const std::string_view greeting : {"EHLO x", "HELO x", "ehlo x", "HeLo x", "LHLO x"}) {
        for (size_t n = 0; n < 5; ++n)
            EXPECT_EQ(sniffSmtpSession(greeting.substr(0, n)), SniffResult::kNeedMore)
                << greeting << " " << n;
        for (size_t n = 5; n <= greeting.size(); ++n)
            EXPECT_EQ(sniffSmtpSession(greeting.substr(0, n)), SniffResult::kYes)
                << greeting << " " << n;
    }
    EXPECT_EQ(sniffSmtpSession("EHLO\r\n"), SniffResult::kYes);
    EXPECT_EQ(sniffSmtpSession("EHLO x"), SniffResult::kYes);
    EXPECT_NE(sniffSmtpSession("EHL"), SniffResult::kYes); // not a yes until it is sure
}

TEST(SmtpSniff, NoAsSoonAsItCannotBeAGreeting) {
    EXPECT_EQ(sniffSmtpSession("X"), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpSession("EX"), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpSession("HEL0"), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpSession("EHLOX"), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpSession("EHLO\t"), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpSession("GET / HTTP/1.1\r\n"), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpSession("MAIL FROM:<a@b>"), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpSession(std::string_view("\x16\x03\x01\x02\x00", 5)), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpSession(std::string_view("\x16", 1)), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpSession(std::string_view("E\0", 2)), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpSession(std::string_view("\xc5HLO x", 6)), SniffResult::kNo); // 'E'|0x80
    EXPECT_EQ(sniffSmtpSession(std::string_view("\x05HLO x", 6)), SniffResult::kNo); // 'E'&~0x40
}

TEST(SmtpSniff, ServerGreetings) {
    for (const std::string_view banner :
         {"220 mx ESMTP\r\n", "220-mx\r\n", "421 busy\r\n", "554 no\r\n", "220\r\n"}) {
        for (size_t n = 0; n < 4; ++n)
            EXPECT_EQ(sniffSmtpReplies(banner.substr(0, n)), SniffResult::kNeedMore) << banner;
        EXPECT_EQ(sniffSmtpReplies(banner), SniffResult::kYes) << banner;
    }
    EXPECT_EQ(sniffSmtpReplies("250 ok"), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpReplies("2200"), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpReplies("HTTP/1.1 200"), SniffResult::kNo);
    EXPECT_EQ(sniffSmtpReplies(std::string_view("\x16\x03", 2)), SniffResult::kNo);
}

TEST(SmtpCommand, PlausibleCommandsByTheShapeOfTheirArguments) {
    for (const char* yes : {"DATA", "data\r", "RSET", "QUIT", "STARTTLS", "MAIL FROM:<a@b>",
                            "mail from: <a@b> SIZE=10", "RCPT TO:<c@d>", "EHLO host.example",
                            "HELO h", "BDAT 10 LAST", "AUTH PLAIN", "AUTH PLAIN AGFAYg==", "NOOP",
                            "HELP", "VRFY user", "XCLIENT NAME=a ADDR=1.2.3.4"})
        EXPECT_TRUE(plausibleSmtpCommand(yes)) << yes;
    for (const char* no :
         {"", "DATA now", "Data follows", "MAIL me", "RCPT", "EHLO", "EHLO a b", "BDAT x",
          "Help is on the way", "send it", "dXNlcg==", "QUIT\x01", "RCPT TO:<\xff>", "quit now"})
        EXPECT_FALSE(plausibleSmtpCommand(no)) << no;
}

} // namespace
} // namespace egressmon::dpi
