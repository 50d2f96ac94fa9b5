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
