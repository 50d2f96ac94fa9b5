// One IcapConnection driven by hand over a socket pair, with the clock the test chooses: the
// timing edges the server thread's loop cannot pin down reliably.

#include <sys/socket.h>

#include <gtest/gtest.h>

#include "icap/icap_connection.h"
#include "icap_server_harness.h"

namespace egressmon::testing {
namespace {

TEST(IcapConnection, AWriteNotedAfterTheTicksClockReadingIsNotIdleTime) {
    icap::IcapConfig config;
    config.idle_timeout_ms = 60'000;
    auto rules = icapTestRules();
    dpi::InspectionEngine engine(dpi::InspectionConfig{}, rules->current(),
                                 [](const std::string&) { return -1; });
    IcapAlertCollector alerts;
    const std::string sensor = "s";
    icap::IcapThreadContext context(config, engine, alerts, sensor);
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    core::UniqueFd client(fds[1]);
    // The loop read its clock, then the connection wrote (noting a fresher reading as its last
    // activity); the tick that follows still carries the older reading.
    const uint64_t tick_now = icap::steadyMs();
    icap::IcapConnection connection(context, core::UniqueFd(fds[0]),
                                    *core::IpAddress::parse("127.0.0.1"), tick_now);
    const std::string request = reqmod(postHead(5), "clean");
    ASSERT_EQ(::send(client.get(), request.data(), request.size(), 0),
              static_cast<ssize_t>(request.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(connection.onReadable(tick_now));
    ASSERT_TRUE(connection.onWritable()); // notes steadyMs(), later than tick_now
    EXPECT_TRUE(connection.onTick(tick_now));
    EXPECT_EQ(context.counters.idle_closed, 0u);
    // And the idle timeout itself still holds.
    EXPECT_FALSE(connection.onTick(icap::steadyMs() + 60'001));
    EXPECT_EQ(context.counters.idle_closed, 1u);
}

} // namespace
} // namespace egressmon::testing
