#include "record_sink.h"

#include <chrono>
#include <stdexcept>

#include "core/spin_backoff.h"
#include "export/file_record_writer.h"
#include "export/kafka_record_writer.h"

namespace egressmon::exporting {

std::unique_ptr<RecordSink> RecordSink::open(const std::string& spec, const SinkOptions& options) {
    if (spec.empty()) throw std::invalid_argument("empty sink");
    std::unique_ptr<RecordWriter> writer;
    if (spec.rfind("kafka://", 0) == 0)
        writer = KafkaRecordWriter::open(parseKafkaSpec(spec), options.kafka);
    else
        writer = FileRecordWriter::open(spec);
    return std::unique_ptr<RecordSink>(new RecordSink(spec, std::move(writer), options));
}

RecordSink::RecordSink(std::string spec, std::unique_ptr<RecordWriter> writer,
                       const SinkOptions& options)
    : spec_(std::move(spec)), writer_(std::move(writer)), lossless_(options.lossless),
      stop_requested_(options.stop), stop_wait_(options.stop_wait),
      ring_dropped_by_producer_(new OwnedCounter[options.producers]) {
    for (unsigned i = 0; i < options.producers; ++i)
        rings_.push_back(std::make_unique<core::SpscRing<SinkRecord>>(options.ring_capacity));
    thread_ = std::thread([this] { run(); });
}

RecordSink::~RecordSink() {
    try {
        close();
    } catch (...) {
    }
}

void RecordSink::publish(unsigned producer, SinkRecord&& record) noexcept {
    auto& ring = *rings_[producer];
    unsigned spins = 0;
    std::chrono::steady_clock::time_point give_up{};
    while (!ring.tryPush(record)) {
        if (!lossless_.load(std::memory_order_relaxed)) {
            ring_dropped_by_producer_[producer].add();
            return;
        }
        if (stop_requested_ && stop_requested_->load(std::memory_order_relaxed)) {
            const auto now = std::chrono::steady_clock::now();
            if (give_up == std::chrono::steady_clock::time_point{}) {
                give_up = now + stop_wait_;
            } else if (now >= give_up) {
                ring_dropped_by_producer_[producer].add();
                return;
            }
        }
        core::spinBackoff(spins);
    }
}

bool RecordSink::drainOnce() {
    bool any = false;
    for (auto& ring : rings_) {
        // Bounded per ring per pass so one busy worker cannot starve the others.
        for (int n = 0; n < 1024; ++n) {
            auto rec = ring->tryPop();
            if (!rec) break;
            any = true;
            writer_->write(std::move(*rec));
        }
    }
    return any;
}

void RecordSink::run() {
    while (!stop_.load(std::memory_order_acquire)) {
        const bool any = drainOnce();
        writer_->service(!any);
        if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    while (drainOnce())
        writer_->service(false);
    writer_->finish();
}

void RecordSink::close() {
    if (closed_) return;
    closed_ = true;
    stop_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
}

SinkCounters RecordSink::counters() const {
    SinkCounters c = writer_->counters();
    for (size_t i = 0; i < rings_.size(); ++i)
        c.ring_dropped += ring_dropped_by_producer_[i].get();
    return c;
}

} // namespace egressmon::exporting
