// The subject of an alert on a captured flow: the sender of the matching bytes is the source,
// whichever side opened the flow; the application names are not the flow's to give.

#include <gtest/gtest.h>

#include "core/flow_alert_subject.h"

using namespace egressmon::core;

namespace {
// 10.1.0.10:51000 (the lower end of the key) and 203.0.113.10:80 over TCP on VLAN 7; each test
// says which end is the client.
Flow webFlow() {
    Flow f;
    f.key.lo_ip = *IpAddress::parse("10.1.0.10");
    f.key.hi_ip = *IpAddress::parse("203.0.113.10");
    f.key.lo_port = 51000;
    f.key.hi_port = 80;
    f.key.vlan_id = 7;
    f.key.ip_proto = ipproto::kTcp;
    f.flow_id = 99;
    return f;
}
} // namespace

TEST(FlowAlertSubject, NamesTheClientAsSourceOfBytesSentToTheServer) {
    Flow f = webFlow();
    f.client_is_lo = false; // the client is 203.0.113.10:80 (picked up mid-stream, say)

    const AlertSubject s = alertSubjectOf(f, /*to_server=*/true);

    EXPECT_EQ(s.source.ip, IpAddress::parse("203.0.113.10"));
    EXPECT_EQ(s.source.port, 80);
    EXPECT_EQ(s.destination.ip, IpAddress::parse("10.1.0.10"));
    EXPECT_EQ(s.destination.port, 51000);
    EXPECT_EQ(s.flow_id, 99u);
    EXPECT_EQ(s.vlan_id, 7);
    EXPECT_EQ(s.ip_proto, ipproto::kTcp);
}

TEST(FlowAlertSubject, NamesTheServerAsSourceOfBytesSentToTheClient) {
    Flow f = webFlow();
    f.client_is_lo = true; // the client is 10.1.0.10:51000

    const AlertSubject s = alertSubjectOf(f, /*to_server=*/false);

    EXPECT_EQ(s.source.ip, IpAddress::parse("203.0.113.10"));
    EXPECT_EQ(s.source.port, 80);
    EXPECT_EQ(s.destination.ip, IpAddress::parse("10.1.0.10"));
    EXPECT_EQ(s.destination.port, 51000);
}

TEST(FlowAlertSubject, LeavesTheApplicationNamesToTheWorker) {
    const AlertSubject s = alertSubjectOf(webFlow(), true);
    EXPECT_TRUE(s.app_proto.empty());
    EXPECT_TRUE(s.ndpi_protocol.empty());
    EXPECT_TRUE(s.ndpi_category.empty());
}

TEST(FlowAlertSubject, SaysCaptureAndCarriesNoneOfTheProxiedRequestsFields) {
    const AlertSubject s = alertSubjectOf(webFlow(), true);
    EXPECT_EQ(s.origin, AlertSource::kCapture);
    EXPECT_STREQ(alertSourceName(s.origin), "capture");
    EXPECT_TRUE(s.user.empty());
    EXPECT_TRUE(s.http_hostname.empty());
    EXPECT_TRUE(s.http_url.empty());
    EXPECT_TRUE(s.http_method.empty());
}
