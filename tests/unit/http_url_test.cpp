#include <gtest/gtest.h>

#include "dpi/decode/http/http_url.h"

using egressmon::dpi::requestTargetFromNdpiUrl;

TEST(HttpUrl, HostPrefixIsRemovedFromOriginFormTargets) {
    EXPECT_EQ(requestTargetFromNdpiUrl("www.example.com/index.html"), "/index.html");
    EXPECT_EQ(requestTargetFromNdpiUrl("example.com:8080/a/b?c=/d"), "/a/b?c=/d");
    EXPECT_EQ(requestTargetFromNdpiUrl("example.com/"), "/");
}

TEST(HttpUrl, AbsoluteProxyTargetsAreKept) {
    EXPECT_EQ(requestTargetFromNdpiUrl("http://example.com/x"), "http://example.com/x");
    EXPECT_EQ(requestTargetFromNdpiUrl("https://example.com/x"), "https://example.com/x");
}

TEST(HttpUrl, ConnectAuthorityAndOddTargetsAreKept) {
    EXPECT_EQ(requestTargetFromNdpiUrl("example.com:443"), "example.com:443");
    EXPECT_EQ(requestTargetFromNdpiUrl(""), "");
}
