#include "metrics_endpoint.h"

#include <stdexcept>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

namespace egressmon::exporting {

namespace {

class FunctionCollectable final : public prometheus::Collectable {
  public:
    explicit FunctionCollectable(MetricsEndpoint::CollectFn fn) : fn_(std::move(fn)) {}
    std::vector<prometheus::MetricFamily> Collect() const override {
        try {
            return fn_();
        } catch (const std::exception&) {
            return {}; // a failed scrape (out of memory) must not take the sensor down
        }
    }

  private:
    MetricsEndpoint::CollectFn fn_;
};

bool allDigits(const std::string& s) {
    if (s.empty() || s.size() > 5) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return std::stoi(s) <= 65535;
}

} // namespace

std::string parseListenAddress(const std::string& text) {
    if (allDigits(text)) return "127.0.0.1:" + text;
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || !allDigits(text.substr(colon + 1)))
        throw std::invalid_argument("expected ADDR:PORT or PORT, got '" + text + "'");
    const std::string host = text.substr(0, colon);
    if (host.front() == '[' ? host.back() != ']' : host.find(':') != std::string::npos)
        throw std::invalid_argument("an IPv6 address goes in brackets ([::1]:9187), got '" + text +
                                    "'");
    return text;
}

MetricsEndpoint::MetricsEndpoint(const std::string& address, CollectFn collect)
    : collectable_(std::make_shared<FunctionCollectable>(std::move(collect))) {
    const std::string bind = parseListenAddress(address);
    try {
        exposer_ = std::make_unique<prometheus::Exposer>(bind, 2);
    } catch (const std::exception& e) {
        throw std::runtime_error("--metrics: cannot listen on " + bind + ": " + e.what());
    }
    exposer_->RegisterCollectable(collectable_);
}

MetricsEndpoint::~MetricsEndpoint() = default;

uint16_t MetricsEndpoint::port() const {
    const auto ports = exposer_->GetListeningPorts();
    return ports.empty() ? 0 : static_cast<uint16_t>(ports.front());
}

prometheus::MetricFamily makeFamily(const std::string& name, const std::string& help,
                                    prometheus::MetricType type) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = type;
    return f;
}

void addSample(prometheus::MetricFamily& family, double value,
               std::vector<prometheus::ClientMetric::Label> labels) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    if (family.type == prometheus::MetricType::Counter)
        m.counter.value = value;
    else
        m.gauge.value = value;
    family.metric.push_back(std::move(m));
}

} // namespace egressmon::exporting
