#include "record_sink.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace egressmon::exporting {

std::unique_ptr<RecordSink> RecordSink::open(const std::string& spec, unsigned producers,
                                             bool lossless, size_t ring_capacity) {
    if (spec.empty()) throw std::invalid_argument("empty sink");
    if (spec.rfind("kafka://", 0) == 0)
        throw std::invalid_argument("kafka sinks are not supported by this build yet: '" + spec +
                                    "'");
    if (spec == "-")
        return std::unique_ptr<RecordSink>(
            new RecordSink(spec, stdout, false, producers, lossless, ring_capacity));
    FILE* f = std::fopen(spec.c_str(), "a");
    if (!f)
        throw std::runtime_error("cannot open '" + spec +
                                 "' for appending: " + std::strerror(errno));
    return std::unique_ptr<RecordSink>(
        new RecordSink(spec, f, true, producers, lossless, ring_capacity));
}

RecordSink::RecordSink(std::string spec, FILE* file, bool owns_file, unsigned producers,
                       bool lossless, size_t ring_capacity)
    : spec_(std::move(spec)), file_(file), owns_file_(owns_file), lossless_(lossless),
      dropped_by_producer_(producers, 0) {
    for (unsigned i = 0; i < producers; ++i)
        rings_.push_back(std::make_unique<core::SpscRing<std::string>>(ring_capacity));
    thread_ = std::thread([this] { run(); });
}

RecordSink::~RecordSink() {
    try {
        close();
    } catch (...) {
    }
}

void RecordSink::publish(unsigned producer, std::string&& record) noexcept {
    auto& ring = *rings_[producer];
    while (!ring.tryPush(record)) {
        if (!lossless_) {
            ++dropped_by_producer_[producer];
            return;
        }
        std::this_thread::yield();
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
            rec->push_back('\n');
            if (std::fwrite(rec->data(), 1, rec->size(), file_) == rec->size())
                ++written_;
            else
                ++write_errors_;
        }
    }
    return any;
}

void RecordSink::run() {
    while (!stop_.load(std::memory_order_acquire)) {
        if (!drainOnce()) {
            std::fflush(file_);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    while (drainOnce()) {
    }
    std::fflush(file_);
}

void RecordSink::close() {
    if (closed_) return;
    closed_ = true;
    stop_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
    if (owns_file_)
        std::fclose(file_);
    else
        std::fflush(file_);
}

SinkCounters RecordSink::counters() const {
    SinkCounters c;
    c.written = written_;
    c.dropped = write_errors_;
    for (uint64_t d : dropped_by_producer_)
        c.dropped += d;
    return c;
}

} // namespace egressmon::exporting
