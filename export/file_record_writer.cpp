#include "file_record_writer.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace egressmon::exporting {

std::unique_ptr<FileRecordWriter> FileRecordWriter::open(const std::string& spec) {
    if (spec == "-")
        return std::unique_ptr<FileRecordWriter>(new FileRecordWriter(spec, stdout, false));
    FILE* f = std::fopen(spec.c_str(), "a");
    if (!f)
        throw std::runtime_error("cannot open '" + spec +
                                 "' for appending: " + std::strerror(errno));
    return std::unique_ptr<FileRecordWriter>(new FileRecordWriter(spec, f, true));
}

std::atomic<uint64_t>& FileRecordWriter::reopenGeneration() noexcept {
    static std::atomic<uint64_t> generation{0};
    return generation;
}

void FileRecordWriter::reopenIfAsked() noexcept {
    const uint64_t asked = reopenGeneration().load(std::memory_order_relaxed);
    if (asked == opened_generation_ || !owns_file_) return; // stdout is not reopened
    opened_generation_ = asked;
    flush(); // everything so far belongs to the file as it was named when it was written
    FILE* fresh = std::fopen(spec_.c_str(), "a");
    if (!fresh) {
        std::fprintf(stderr,
                     "egressmon: error: cannot reopen '%s' after rotation: %s (writing on to "
                     "the file as it was)\n",
                     spec_.c_str(), std::strerror(errno));
        return;
    }
    if (std::fclose(file_) != 0) reportWriteError(errno); // flushed: nothing is left in it
    file_ = fresh;
}

FileRecordWriter::~FileRecordWriter() {
    if (owns_file_ && file_) std::fclose(file_);
}

void FileRecordWriter::reportWriteError(int error) noexcept {
    if (error_reported_) return;
    error_reported_ = true;
    // Once: the count of lost records is in --stats and the metrics.
    std::fprintf(stderr, "egressmon: error: cannot write records to '%s': %s\n", spec_.c_str(),
                 std::strerror(error));
}

void FileRecordWriter::write(SinkRecord&& record) noexcept {
    reopenIfAsked();
    const std::string& json = record.json;
    if (std::fwrite(json.data(), 1, json.size(), file_) == json.size()) {
        ++unflushed_;
        return;
    }
    // The records still in the stdio buffer went down with this write: stdio gives no way to
    // know which bytes reached the file, so count them all as lost rather than claim a
    // delivery that may not have happened.
    reportWriteError(errno);
    write_failed_.add(unflushed_ + 1);
    unflushed_ = 0;
    std::clearerr(file_);
}

void FileRecordWriter::flush() noexcept {
    if (unflushed_ == 0) return;
    if (std::fflush(file_) == 0 && !std::ferror(file_)) {
        written_.add(unflushed_);
    } else {
        reportWriteError(errno);
        write_failed_.add(unflushed_);
        std::clearerr(file_);
    }
    unflushed_ = 0;
}

void FileRecordWriter::service(bool idle) noexcept {
    reopenIfAsked();
    if (idle) flush(); // make what we have visible to readers of the file
}

void FileRecordWriter::finish() noexcept {
    flush();
    if (owns_file_) {
        if (std::fclose(file_) != 0) reportWriteError(errno);
        file_ = nullptr;
    }
}

SinkCounters FileRecordWriter::counters() const noexcept {
    SinkCounters c;
    c.written = written_.get();
    c.write_failed = write_failed_.get();
    return c;
}

} // namespace egressmon::exporting
