#pragma once
// The Prometheus pull endpoint (--metrics ADDR:PORT), served by prometheus-cpp's exposer on its
// own threads. Nothing is counted here: at each scrape the collect function builds the metric
// families from the per-worker snapshots and the sinks' counters, so the packet path never
// touches a shared counter.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

namespace prometheus {
class Exposer;
class Collectable;
} // namespace prometheus

namespace egressmon::exporting {

// "ADDR:PORT", "[V6ADDR]:PORT" or a bare "PORT" (bound to 127.0.0.1: the sensor's metrics are
// not published to the network unless the operator names an address). Returns the address
// in civetweb's spelling. Throws std::invalid_argument.
std::string parseListenAddress(const std::string& text);

class MetricsEndpoint {
  public:
    using CollectFn = std::function<std::vector<prometheus::MetricFamily>()>;
    // Serves /metrics; throws std::runtime_error naming the address when it cannot be bound.
    MetricsEndpoint(const std::string& address, CollectFn collect);
    ~MetricsEndpoint();
    MetricsEndpoint(const MetricsEndpoint&) = delete;
    MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

    uint16_t port() const;

  private:
    std::shared_ptr<prometheus::Collectable> collectable_;
    std::unique_ptr<prometheus::Exposer> exposer_;
};

// Helpers for building families by hand.
prometheus::MetricFamily makeFamily(const std::string& name, const std::string& help,
                                    prometheus::MetricType type);
void addSample(prometheus::MetricFamily& family, double value,
               std::vector<prometheus::ClientMetric::Label> labels = {});

} // namespace egressmon::exporting
