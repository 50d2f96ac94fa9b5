#pragma once
// A sensor's part in a fleet (INTERFACE.md "Fleet", README "Run a fleet"): takes signed policy
// bundles for its group (and `all`) from the policy topic, runs the newest valid one through
// the reload path, keeps it in the cache, and publishes heartbeats to the status topic.
//
// Threads: constructed on the main thread at start-up (keys, cache, Kafka handles: a bad
// `policy:` section fails there, before any packet); then one thread of its own consumes, judges
// (compiling rules takes milliseconds to seconds, never on a packet worker), publishes the rule
// set (rules::RuleSetSource, as SIGHUP does) and sends heartbeats. counters(), bundleVersion()
// and lastError() may be called from any thread (metrics scrapes, the rule reloader).

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include <librdkafka/rdkafkacpp.h>

#include "app/metrics_collector.h"
#include "app/options.h"
#include "dpi/classify/flow_classifier.h"
#include "fleet/bundle_cache.h"
#include "fleet/ed25519_key.h"
#include "fleet/fleet_counters.h"
#include "fleet/policy_tracker.h"
#include "rules/rule_set_source.h"

namespace egressmon::app {

// The public keys `policy.public-key` names, read with the key files' trust checks; throws
// UsageError naming the key. The sensor's verifier and -T read them through this.
std::vector<fleet::EvpPkey> trustedPolicyKeys(const fleet::FleetConfig& config);

class FleetAgent : private RdKafka::DeliveryReportCb, private RdKafka::EventCb {
  public:
    // Loads the public keys, makes the cache directory, judges the cached bundle, creates the
    // Kafka consumer and producer (without connecting). Throws UsageError.
    explicit FleetAgent(const Options& options);
    ~FleetAgent() override; // stops and joins
    FleetAgent(const FleetAgent&) = delete;
    FleetAgent& operator=(const FleetAgent&) = delete;

    // The cached bundle's rules when the cache held a valid bundle, else null. Start-up.
    std::shared_ptr<const rules::RuleSet> cachedRules() const { return cached_rules_; }

    // Starts the thread. Bundles are published to `rules`; heartbeats sum `sources`.
    void start(std::shared_ptr<rules::RuleSetSource> rules, MetricsSources sources);
    void stop();

    fleet::FleetCounters counters() const;
    // The bundle in force (none: the rules are --rules files, or none yet).
    std::optional<uint64_t> bundleVersion() const;

  private:
    void run();
    void assignPolicyTopic();
    void consumeOnce();
    void onPolicyMessage(const RdKafka::Message& m);
    void judgeCatchUp();
    // `quiet_if_older`: at catch-up, a bundle older than the one in force is superseded, not
    // refused (the other key's, or what the cache already replaced).
    void offer(const std::string& bytes, const std::string& origin, bool quiet_if_older);
    void apply(const std::string& bytes, const fleet::BundleJudgement& j,
               const std::string& origin);
    void sendHeartbeat();
    void noteError(const std::string& message); // last error, logged when it changes
    template <class Fn> void count(Fn&& fn) {
        std::lock_guard<std::mutex> lock(counters_mutex_);
        fn(counters_);
    }

    // RdKafka callbacks, on this thread (inside consume() and poll()).
    void dr_cb(RdKafka::Message& message) override;
    void event_cb(RdKafka::Event& event) override;

    fleet::FleetConfig config_;
    std::string sensor_name_;
    std::unique_ptr<dpi::FlowClassifier> names_; // nDPI's names, for the rules' protocols
    fleet::PolicyTracker tracker_;
    fleet::BundleCache cache_;
    std::shared_ptr<const rules::RuleSet> cached_rules_;
    bool had_rule_files_ = false;

    std::unique_ptr<RdKafka::KafkaConsumer> consumer_; // null without policy.topic
    std::unique_ptr<RdKafka::Producer> producer_;      // null without policy.status-topic
    bool assigned_ = false;
    bool caught_up_ = false;
    std::set<int32_t> partitions_at_end_pending_;
    std::map<std::string, std::string> latest_by_key_; // until caught up
    std::chrono::steady_clock::time_point next_assign_try_{};

    std::shared_ptr<rules::RuleSetSource> rules_;
    MetricsSources sources_;
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    uint64_t last_packets_ = 0;
    std::chrono::steady_clock::time_point last_heartbeat_{};
    std::string last_error_;
    std::string last_logged_error_;

    mutable std::mutex counters_mutex_;
    fleet::FleetCounters counters_;
    std::atomic<uint64_t> bundle_version_{0}; // 0: none
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

} // namespace egressmon::app
