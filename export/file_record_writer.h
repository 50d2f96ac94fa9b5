#pragma once
// RecordWriter for stdout ("-") and files (JSON lines, appended). A record counts as written
// only once the stdio buffer holding it was flushed successfully; a failed write or flush
// (full disk, closed pipe) drops and counts what it held and says so once on stderr.

#include <cstdio>
#include <memory>
#include <string>

#include "export/record_writer.h"

namespace egressmon::exporting {

class FileRecordWriter final : public RecordWriter {
  public:
    // "-" is stdout; anything else a path opened for appending. Throws std::runtime_error.
    static std::unique_ptr<FileRecordWriter> open(const std::string& spec);
    ~FileRecordWriter() override;

    void write(SinkRecord&& record) noexcept override;
    void service(bool idle) noexcept override;
    void finish() noexcept override;
    SinkCounters counters() const noexcept override;

  private:
    FileRecordWriter(std::string spec, FILE* file, bool owns_file)
        : spec_(std::move(spec)), file_(file), owns_file_(owns_file) {}
    void flush() noexcept;
    void reportWriteError(int error) noexcept;

    std::string spec_;
    FILE* file_;
    bool owns_file_;
    uint64_t unflushed_ = 0; // records handed to stdio since the last successful flush
    bool error_reported_ = false;
    OwnedCounter written_;
    OwnedCounter write_failed_;
};

} // namespace egressmon::exporting
