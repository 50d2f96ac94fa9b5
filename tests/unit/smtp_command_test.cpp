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
