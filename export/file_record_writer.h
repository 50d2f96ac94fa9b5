#pragma once
// RecordWriter for stdout ("-") and files (JSON lines, appended). A record counts as written
// only once the stdio buffer holding it was flushed successfully; a failed write or flush
// (full disk, closed pipe) drops and counts what it held and says so once on stderr.
//
// Log rotation: after logrotate (or an admin) renames the file, SIGUSR1 bumps
// reopenGeneration(); each file writer, on its exporter thread, then flushes what it holds to the
// old file, closes it and opens the path again (appending, so a new file is created): no record
// is lost or written twice. If the path cannot be opened, writing goes on to the old file, and
// the error is said once.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "export/record_writer.h"

namespace egressmon::exporting {

class FileRecordWriter final : public RecordWriter {
  public:
    // "-" is stdout; anything else a path opened for appending. Throws std::runtime_error.
    static std::unique_ptr<FileRecordWriter> open(const std::string& spec);
    // Bumped (async-signal-safe) to ask every file writer to reopen its path.
    static std::atomic<uint64_t>& reopenGeneration() noexcept;
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
    void reopenIfAsked() noexcept;

    std::string spec_;
    FILE* file_;
    bool owns_file_;
    uint64_t unflushed_ = 0; // records handed to stdio since the last successful flush
    bool error_reported_ = false;
    uint64_t opened_generation_ = reopenGeneration().load(std::memory_order_relaxed);
    OwnedCounter written_;
    OwnedCounter write_failed_;
};

} // namespace egressmon::exporting
