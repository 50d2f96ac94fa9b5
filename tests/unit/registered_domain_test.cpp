// dpi::RegisteredDomains: libpsl with Debian's list (or its built-in one): ICANN and private
// rules, the implicit "*" rule for unknown TLDs, public suffixes as their own domain, names with
// odd bytes in their data labels, and long names (only the tail is looked up).

#include <string>

#include <gtest/gtest.h>

#include "dpi/policy/registered_domain.h"

namespace egressmon::dpi {
namespace {

const RegisteredDomains& domains() {
    static const RegisteredDomains d;
    return d;
}

TEST(RegisteredDomain, ListSource) {
    // Debian's publicsuffix package installs the file psl_latest prefers when it is newer.
    const auto& d = domains();
    if (d.source() == RegisteredDomains::Source::kDistributionFile) {
        EXPECT_NE(d.sourceName().find("publicsuffix"), std::string_view::npos) << d.sourceName();
    } else {
        EXPECT_EQ(d.sourceName(), "libpsl built-in list");
    }
}

TEST(RegisteredDomain, IcannRules) {
    const auto& d = domains();
    EXPECT_EQ(d.registeredDomain("a.b.example.co.uk"), "example.co.uk");
    EXPECT_EQ(d.registeredDomain("example.co.uk"), "example.co.uk");
    EXPECT_EQ(d.registeredDomain("www.example.com"), "example.com");
    EXPECT_EQ(d.registeredDomain("www.example.com."), "example.com");
    EXPECT_EQ(d.registeredDomain("1.2.3.4.zen.spamhaus.org"), "spamhaus.org");
    EXPECT_EQ(d.registeredDomain("s1._domainkey.example.de"), "example.de");
    EXPECT_EQ(d.registeredDomain("shop.example.com.au"), "example.com.au");
}

TEST(RegisteredDomain, PrivateRulesSplitPlatforms) {
    const auto& d = domains();
    EXPECT_EQ(d.registeredDomain("d1abc2def3.cloudfront.net"), "d1abc2def3.cloudfront.net");
    EXPECT_EQ(d.registeredDomain("x.foo.blogspot.com"), "foo.blogspot.com");
    EXPECT_EQ(d.registeredDomain("e1234.dscb.akamaiedge.net"), "dscb.akamaiedge.net");
    EXPECT_EQ(d.registeredDomain("rr3---sn-4g5e6nls.googlevideo.com"), "googlevideo.com");
}

TEST(RegisteredDomain, UnknownTldAndBareSuffix) {
    const auto& d = domains();
    EXPECT_EQ(d.registeredDomain("x.pirate.sea"), "pirate.sea");
    EXPECT_EQ(d.registeredDomain("a.b.c.pirate.sea"), "pirate.sea");
    EXPECT_EQ(d.registeredDomain("pirate.sea"), "pirate.sea");
    EXPECT_EQ(d.registeredDomain("sea"), "sea");
    EXPECT_EQ(d.registeredDomain("co.uk"), "co.uk");
    EXPECT_EQ(d.registeredDomain("com"), "com");
    EXPECT_EQ(d.registeredDomain(""), "");
    EXPECT_EQ(d.registeredDomain(".x.com"), ".x.com"); // libpsl refuses a leading dot
}

TEST(RegisteredDomain, OddBytesInDataLabels) {
    const auto& d = domains();
    const std::string iodine = std::string("zi1baa\xC0\xFF\x01") + '\0' + "x.pirate.sea";
    EXPECT_EQ(d.registeredDomain(iodine), "pirate.sea");
    // The label next to the suffix is odd: it is the registrable domain's own label.
    const std::string odd_second = std::string("a.\xFF\xFE.sea");
    EXPECT_EQ(d.registeredDomain(odd_second), "\xFF\xFE.sea");
    const std::string odd_under_co_uk = std::string("q.b\xE9.co.uk");
    EXPECT_EQ(d.registeredDomain(odd_under_co_uk), "b\xE9.co.uk");
    // The TLD itself odd: nothing to look up, the name is its own domain.
    const std::string odd_tld = std::string("a.b.\xFF");
    EXPECT_EQ(d.registeredDomain(odd_tld), odd_tld);
}

TEST(RegisteredDomain, LongNamesUseTheTail) {
    const auto& d = domains();
    std::string name;
    for (int i = 0; i < 60; ++i)
        name += "ab.";
    EXPECT_EQ(d.registeredDomain(name + "t.example.co.uk"), "example.co.uk");
    EXPECT_EQ(d.registeredDomain(name + "pirate.sea"), "pirate.sea");
    // The deepest rules (5 labels with a wildcard) under a long name.
    EXPECT_EQ(d.registeredDomain(name + "x.host.region.compute.amazonaws.com.cn"),
              "host.region.compute.amazonaws.com.cn");
}

TEST(RegisteredDomain, SubdomainPart) {
    EXPECT_EQ(RegisteredDomains::subdomainPart("a.b.example.co.uk", "example.co.uk"), "a.b");
    EXPECT_EQ(RegisteredDomains::subdomainPart("example.co.uk", "example.co.uk"), "");
    EXPECT_EQ(RegisteredDomains::subdomainPart("a.example.com.", "example.com"), "a");
    EXPECT_EQ(RegisteredDomains::subdomainPart("sea", "sea"), "");
}

} // namespace
} // namespace egressmon::dpi
