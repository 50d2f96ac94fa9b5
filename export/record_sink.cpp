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
      ring_dropped_by_producer_(producers, 0) {
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
            ++ring_dropped_by_producer_[producer];
            return;
        }
        std::this_thread::yield();
    }
}

void RecordSink::reportWriteError(int error) {
    if (error_reported_) return;
    error_reported_ = true;
    // Once, from the exporter thread: the count of lost records is in --stats and the metrics.
    std::fprintf(stderr, "egressmon: error: cannot write records to '%s': %s\n", spec_.c_str(),
                 std::strerror(error));
}

void RecordSink::flush() {
    if (unflushed_ == 0) return;
    if (std::fflush(file_) == 0 && !std::ferror(file_)) {
        written_ += unflushed_;
    } else {
        reportWriteError(errno);
        write_failed_ += unflushed_;
        std::clearerr(file_);
    }
    unflushed_ = 0;
}

bool RecordSink::drainOnce() {
    bool any = false;
    for (auto& ring : rings_) {
        // Bounded per ring per pass so one busy worker cannot starve the others.
        for (int n = 0; n < 1024; ++n) {
            auto rec = ring->tryPop();
            if (!rec) break;
            any = true;
            if (std::fwrite(rec->data(), 1, rec->size(), file_) == rec->size()) {
                ++unflushed_;
            } else {
                // The records still in the stdio buffer went down with this write: stdio gives
                // no way to know which bytes reached the file, so count them all as lost
                // rather than claim a delivery that may not have happened.
                reportWriteError(errno);
                write_failed_ += unflushed_ + 1;
                unflushed_ = 0;
                std::clearerr(file_);
            }
        }
    }
    return any;
}

void RecordSink::run() {
    while (!stop_.load(std::memory_order_acquire)) {
        if (!drainOnce()) {
            flush(); // idle: make what we have visible to readers of the file
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    while (drainOnce()) {
    }
    flush();
}

void RecordSink::close() {
    if (closed_) return;
    closed_ = true;
    stop_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
    if (owns_file_ && std::fclose(file_) != 0) reportWriteError(errno);
}

SinkCounters RecordSink::counters() const {
    SinkCounters c;
    c.written = written_;
    c.write_failed = write_failed_;
    for (uint64_t d : ring_dropped_by_producer_)
        c.ring_dropped += d;
    return c;
}

} // namespace egressmon::exporting
