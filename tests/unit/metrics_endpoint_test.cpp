#include <arpa/inet.h>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "export/metrics_endpoint.h"

using egressmon::exporting::MetricsEndpoint;
using egressmon::exporting::parseListenAddress;

namespace {
// A plain HTTP GET over loopback, so the test reads what Prometheus would.
std::string httpGet(uint16_t port, const std::string& path) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        return {};
    }
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    (void)!write(fd, req.data(), req.size());
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
        out.append(buf, size_t(n));
    close(fd);
    return out;
}
} // namespace

TEST(MetricsEndpoint, BarePortBindsLoopbackOnly) {
    EXPECT_EQ(parseListenAddress("9187"), "127.0.0.1:9187");
    EXPECT_EQ(parseListenAddress("0.0.0.0:9187"), "0.0.0.0:9187");
    EXPECT_EQ(parseListenAddress("[::1]:9187"), "[::1]:9187");
}

TEST(MetricsEndpoint, RefusesMalformedAddresses) {
    for (const char* bad : {"", "host", "host:", ":9187", "host:99999", "::1:9187", "a:b"})
        EXPECT_THROW(parseListenAddress(bad), std::invalid_argument) << bad;
}

TEST(MetricsEndpoint, ServesWhatTheCollectFunctionBuildsAtScrapeTime) {
    int scrapes = 0;
    MetricsEndpoint endpoint("127.0.0.1:0", [&] {
        ++scrapes;
        auto f = egressmon::exporting::makeFamily("egressmon_test_total", "test",
                                                  prometheus::MetricType::Counter);
        egressmon::exporting::addSample(f, 42, {{"source", "eth0/0"}});
        return std::vector<prometheus::MetricFamily>{f};
    });
    ASSERT_NE(endpoint.port(), 0);
    const std::string body = httpGet(endpoint.port(), "/metrics");
    EXPECT_NE(body.find("egressmon_test_total{source=\"eth0/0\"} 42"), std::string::npos) << body;
    EXPECT_EQ(scrapes, 1);
}

TEST(MetricsEndpoint, PortInUseIsAStartupError) {
    MetricsEndpoint first("127.0.0.1:0", [] { return std::vector<prometheus::MetricFamily>{}; });
    const std::string taken = "127.0.0.1:" + std::to_string(first.port());
    try {
        MetricsEndpoint second(taken, [] { return std::vector<prometheus::MetricFamily>{}; });
        FAIL() << "a second endpoint bound the same port";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(taken), std::string::npos) << e.what();
    }
}
