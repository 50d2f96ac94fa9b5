// The EVE alert record built from an alert subject alone, with no core::Flow anywhere: what
// captured traffic gives (a whole 5-tuple and nDPI's names) and what a proxied request gives
// (the client's address, the request's host, URL and method, the user), each written with
// exactly the fields it has.

#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "core/alert.h"
#include "core/alert_subject.h"
#include "export/eve_alert_record.h"

using namespace egressmon;

namespace {

const std::string kSensor = "sensor1";

core::Alert contentAlert() {
    core::Alert a;
    a.ts_us = 1795514400123456ULL; // 2026-11-24T10:00:00.123456Z
    a.to_server = true;
    a.signature_id = 9001;
    a.signature = "Classified marking";
    a.category = "classified";
    a.severity = 1;
    a.policy_version = "3f2a9c";
    a.direction = "egress";
    a.match = "TOP SECRET";
    a.encoding = "utf-8";
    a.layer = "http.request.body";
    a.offset = 118;
    return a;
}

core::AlertEndpoint endpoint(const char* ip, uint16_t port) {
    return {core::IpAddress::parse(ip), port};
}

// JSON is YAML's flow style, so yaml-cpp reads the record back as a map for field checks.
YAML::Node parsed(const std::string& record) {
    EXPECT_EQ(record.find('\n'), record.size() - 1) << "one line, ending the record";
    const YAML::Node node = YAML::Load(record);
    EXPECT_TRUE(node.IsMap());
    return node;
}

} // namespace

TEST(EveAlertRecord, WritesTheWholeSubjectOfCapturedTraffic) {
    core::AlertSubject subject;
    subject.flow_id = 1234567890;
    subject.source = endpoint("10.1.0.10", 51000);
    subject.destination = endpoint("203.0.113.10", 80);
    subject.ip_proto = 6;
    subject.app_proto = "http";
    subject.ndpi_protocol = "HTTP";
    subject.ndpi_category = "Web";

    const std::string record = exporting::buildEveAlertRecord(subject, contentAlert(), kSensor);

    const std::string alert_id = exporting::makeAlertId(kSensor, 1234567890, 9001);
    EXPECT_EQ(record,
              R"({"timestamp":"2026-11-24T10:00:00.123456+0000","flow_id":1234567890,)"
              R"("event_type":"alert","host":"sensor1","src_ip":"10.1.0.10","src_port":51000,)"
              R"("dest_ip":"203.0.113.10","dest_port":80,"proto":"TCP","app_proto":"http",)"
              R"("direction":"to_server","alert":{"action":"allowed","gid":1,)"
              R"("signature_id":9001,"rev":1,"signature":"Classified marking",)"
              R"("category":"classified","severity":1,"context":{"alert_id":")" +
                  alert_id +
                  R"(","policy_version":"3f2a9c","dlp":{"kind":"content","source":"capture",)"
                  R"("direction":"egress",)"
                  R"("match":"TOP SECRET","encoding":"utf-8","layer":"http.request.body",)"
                  R"("offset":118}}},"ndpi":{"protocol":"HTTP","category":"Web"}})"
                  "\n");
    const YAML::Node node = parsed(record);
    EXPECT_EQ(node["src_ip"].as<std::string>(), "10.1.0.10");
    EXPECT_EQ(node["dest_port"].as<int>(), 80);
}

TEST(EveAlertRecord, WritesTheVlanOfASubjectThatHasOne) {
    core::AlertSubject subject;
    subject.source = endpoint("10.1.0.10", 51000);
    subject.destination = endpoint("203.0.113.10", 80);
    subject.vlan_id = 100;

    const YAML::Node node = parsed(exporting::buildEveAlertRecord(subject, contentAlert(), ""));

    ASSERT_TRUE(node["vlan"].IsSequence());
    EXPECT_EQ(node["vlan"][0].as<int>(), 100);
    EXPECT_FALSE(node["host"]) << "no sensor name, no host";
}

TEST(EveAlertRecord, LeavesOutTheDestinationAndPortsOfASubjectWithOnlyItsSource) {
    // What the ICAP service will know of a request without X-Server-IP: the client's address.
    core::AlertSubject subject;
    subject.flow_id = 77;
    subject.source.ip = core::IpAddress::parse("10.1.0.10");
    subject.app_proto = "http";

    const std::string record = exporting::buildEveAlertRecord(subject, contentAlert(), kSensor);

    const YAML::Node node = parsed(record);
    EXPECT_EQ(node["event_type"].as<std::string>(), "alert");
    EXPECT_EQ(node["flow_id"].as<uint64_t>(), 77u);
    EXPECT_EQ(node["src_ip"].as<std::string>(), "10.1.0.10");
    EXPECT_EQ(node["app_proto"].as<std::string>(), "http");
    EXPECT_EQ(node["direction"].as<std::string>(), "to_server");
    for (const char* absent : {"src_port", "dest_ip", "dest_port", "proto", "vlan", "ndpi"})
        EXPECT_FALSE(node[absent]) << absent << " written without a value in the subject";
    EXPECT_EQ(node["alert"]["signature_id"].as<uint32_t>(), 9001u);
    EXPECT_EQ(node["alert"]["context"]["alert_id"].as<std::string>(),
              exporting::makeAlertId(kSensor, 77, 9001));
    EXPECT_EQ(node["alert"]["context"]["dlp"]["layer"].as<std::string>(), "http.request.body");
}

TEST(EveAlertRecord, WritesADestinationWithoutAPortWhenOnlyItsAddressIsKnown) {
    // ICAP with X-Server-IP: both addresses, no ports.
    core::AlertSubject subject;
    subject.source.ip = core::IpAddress::parse("10.1.0.10");
    subject.destination.ip = core::IpAddress::parse("2001:db8::10");

    const YAML::Node node =
        parsed(exporting::buildEveAlertRecord(subject, contentAlert(), kSensor));

    EXPECT_EQ(node["dest_ip"].as<std::string>(), "2001:db8::10");
    EXPECT_FALSE(node["src_port"]);
    EXPECT_FALSE(node["dest_port"]);
    EXPECT_FALSE(node["app_proto"]) << "no application name, no app_proto";
}

TEST(EveAlertRecord, CapturedTrafficSaysCaptureAndHasNoUserNorHttpObject) {
    // A subject as alertSubjectOf makes it: no ICAP fields set.
    core::AlertSubject subject;
    subject.source = endpoint("10.1.0.10", 51000);
    subject.destination = endpoint("203.0.113.10", 80);

    const YAML::Node node =
        parsed(exporting::buildEveAlertRecord(subject, contentAlert(), kSensor));

    const YAML::Node dlp = node["alert"]["context"]["dlp"];
    EXPECT_EQ(dlp["source"].as<std::string>(), "capture");
    EXPECT_FALSE(dlp["user"]) << "no user, no alert.context.dlp.user";
    EXPECT_FALSE(node["http"]) << "no request names, no http object";
    EXPECT_EQ(node["alert"]["action"].as<std::string>(), "allowed");
}

TEST(EveAlertRecord, WritesTheIcapRequestUserAndSourceOfAProxiedRequest) {
    // What the ICAP service knows of a REQMOD: the client (X-Client-IP), the server
    // (X-Server-IP), the user (X-Authenticated-User), the request line and Host.
    core::AlertSubject subject;
    subject.flow_id = 4242;
    subject.source.ip = core::IpAddress::parse("10.1.0.10");
    subject.destination.ip = core::IpAddress::parse("203.0.113.10");
    subject.app_proto = "http";
    subject.origin = core::AlertSource::kIcap;
    subject.user = "alice@CORP";
    subject.http_hostname = "upload.example.net";
    subject.http_url = "https://upload.example.net/files?id=7";
    subject.http_method = "POST";

    const std::string record = exporting::buildEveAlertRecord(subject, contentAlert(), kSensor);

    const std::string alert_id = exporting::makeAlertId(kSensor, 4242, 9001);
    EXPECT_EQ(record, R"({"timestamp":"2026-11-24T10:00:00.123456+0000","flow_id":4242,)"
                      R"("event_type":"alert","host":"sensor1","src_ip":"10.1.0.10",)"
                      R"("dest_ip":"203.0.113.10","app_proto":"http",)"
                      R"("direction":"to_server","alert":{"action":"allowed","gid":1,)"
                      R"("signature_id":9001,"rev":1,"signature":"Classified marking",)"
                      R"("category":"classified","severity":1,"context":{"alert_id":")" +
                          alert_id +
                          R"(","policy_version":"3f2a9c","dlp":{"kind":"content","source":"icap",)"
                          R"("user":"alice@CORP","direction":"egress","match":"TOP SECRET",)"
                          R"("encoding":"utf-8","layer":"http.request.body","offset":118}}},)"
                          R"("http":{"hostname":"upload.example.net",)"
                          R"("url":"https://upload.example.net/files?id=7","http_method":"POST"}})"
                          "\n");
    const YAML::Node node = parsed(record);
    EXPECT_EQ(node["http"]["http_method"].as<std::string>(), "POST");
    EXPECT_EQ(node["alert"]["context"]["dlp"]["user"].as<std::string>(), "alice@CORP");
}

TEST(EveAlertRecord, WritesOnlyTheHttpFieldsItHas) {
    // A request may give only some of them (an HTTP/1.0 request without Host, say): each alone
    // makes the object.
    core::AlertSubject subject;
    subject.origin = core::AlertSource::kIcap;
    subject.http_method = "CONNECT";

    YAML::Node node = parsed(exporting::buildEveAlertRecord(subject, contentAlert(), kSensor));
    ASSERT_TRUE(node["http"].IsMap());
    EXPECT_EQ(node["http"].size(), 1u);
    EXPECT_EQ(node["http"]["http_method"].as<std::string>(), "CONNECT");

    subject.http_method = {};
    subject.http_url = "/upload";
    node = parsed(exporting::buildEveAlertRecord(subject, contentAlert(), kSensor));
    ASSERT_TRUE(node["http"].IsMap());
    EXPECT_EQ(node["http"].size(), 1u);
    EXPECT_EQ(node["http"]["url"].as<std::string>(), "/upload");
    EXPECT_EQ(node["alert"]["context"]["dlp"]["source"].as<std::string>(), "icap");
    EXPECT_FALSE(node["alert"]["context"]["dlp"]["user"]);
}

TEST(EveAlertRecord, EscapesHostileRequestNamesAndUser) {
    // Header values come from the network: quotes, control bytes and invalid UTF-8 stay JSON.
    core::AlertSubject subject;
    subject.origin = core::AlertSource::kIcap;
    subject.user = "ev\"il\x01";
    subject.http_hostname = "h\xff.example";

    const std::string record = exporting::buildEveAlertRecord(subject, contentAlert(), kSensor);
    const YAML::Node node = parsed(record);
    EXPECT_EQ(node["alert"]["context"]["dlp"]["user"].as<std::string>(), "ev\"il\x01");
    EXPECT_EQ(node["http"]["hostname"].as<std::string>(), "h\xef\xbf\xbd.example"); // U+FFFD
}

TEST(EveAlertRecord, ABlockedAlertSaysBlocked) {
    // Only an adapter that stopped the traffic (ICAP answering 403) sets kBlocked.
    core::AlertSubject subject;
    subject.origin = core::AlertSource::kIcap;
    core::Alert alert = contentAlert();
    EXPECT_EQ(alert.action, core::AlertAction::kAllowed) << "the default";
    alert.action = core::AlertAction::kBlocked;

    const YAML::Node node = parsed(exporting::buildEveAlertRecord(subject, alert, kSensor));

    EXPECT_EQ(node["alert"]["action"].as<std::string>(), "blocked");
}
