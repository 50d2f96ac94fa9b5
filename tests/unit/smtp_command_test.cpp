#include <gtest/gtest.h>

#include "dpi/smtp_command.h"

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

using egressmon::dpi::startsSmtpSession;

TEST(SmtpCommand, SessionStartsWithAGreetingInAnyCase) {
    EXPECT_TRUE(startsSmtpSession("EHLO ws.corp.example\r\n"));
    EXPECT_TRUE(startsSmtpSession("helo host\r\n"));
    EXPECT_TRUE(startsSmtpSession("LHLO\r\n"));
    EXPECT_FALSE(startsSmtpSession("EHLOX host"));
    EXPECT_FALSE(startsSmtpSession("GET / HTTP/1.1"));
    EXPECT_FALSE(startsSmtpSession("EHL"));
}
