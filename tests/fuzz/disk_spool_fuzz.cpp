// DiskSpool (export/disk_spool.h) recovering a spool directory whose files come from the input:
// one or two segment files and a cursor file (well-formed with fuzzed fields, or raw bytes).
// open() must recover whatever it finds (damage is skipped and counted, a torn tail cut), and
// the records it then hands out must behave as the header promises.
//
// Input: [control][cursor segment: 1][cursor offset: 2][raw cursor length][raw cursor]
//        [first segment length: 2] then the segment bytes (the rest: the second segment).
//   control bit 0: a cursor file; bit 1: its bytes are raw (else a valid cursor with the fuzzed
//   fields); bit 2: a second segment; bit 3: the second segment is not adjacent (sequence 7);
//   bits 4-5: replay batch size; bit 6: a small max_bytes (appends are refused when full).
// Checks: open() throws nothing; pending() equals the records a full replay hands out; a
// rewind hands out the same records again; after commitRead the spool is empty, and records
// appended then are exactly what a reopened spool replays.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <zlib.h>

#include "export/disk_spool.h"
#include "fuzz_input.h"
#include "temp_dir.h"

using namespace egressmon;
using exporting::DiskSpool;
using exporting::SpoolRecord;

namespace {

void writeFile(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) std::abort();
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size())
        std::abort();
    std::fclose(f);
}

std::string segmentName(uint64_t sequence) {
    char name[32];
    std::snprintf(name, sizeof name, "%020llu.seg", static_cast<unsigned long long>(sequence));
    return name;
}

// The cursor format of export/disk_spool.h: magic, segment, offset, CRC-32 of the first 20.
std::vector<uint8_t> validCursor(uint64_t segment, uint64_t offset) {
    std::vector<uint8_t> c = {0xFF, 'E', 'C', '1'};
    for (int i = 0; i < 8; ++i)
        c.push_back(static_cast<uint8_t>(segment >> (8 * i)));
    for (int i = 0; i < 8; ++i)
        c.push_back(static_cast<uint8_t>(offset >> (8 * i)));
    const auto sum = static_cast<uint32_t>(crc32(0, c.data(), static_cast<uInt>(c.size())));
    for (int i = 0; i < 4; ++i)
        c.push_back(static_cast<uint8_t>(sum >> (8 * i)));
    return c;
}

std::vector<SpoolRecord> readAll(DiskSpool& spool, size_t batch) {
    std::vector<SpoolRecord> records;
    while (spool.readNext(batch, records) > 0) {
        if (records.size() > 1'000'000) std::abort(); // cannot come from a 64 KiB input
    }
    return records;
}

bool same(const std::vector<SpoolRecord>& a, const std::vector<SpoolRecord>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].key != b[i].key || a[i].payload != b[i].payload ||
            a[i].origin_us != b[i].origin_us)
            return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const fuzz::TempDir dir;
    dir.clear();
    fuzz::FuzzInput in(data, size);
    const uint8_t control = in.u8();
    const uint8_t cursor_segment = in.u8();
    const uint16_t cursor_offset = in.u16();
    const auto raw_cursor = in.bytes(in.u8() % 40);
    const auto first = in.bytes(in.u16());
    const auto second = in.rest();

    writeFile(dir.path() / segmentName(1), first);
    if (control & 4) writeFile(dir.path() / segmentName((control & 8) ? 7 : 2), second);
    if (control & 1) {
        // Segment numbers around the two segments, and the extremes.
        const uint64_t segment = cursor_segment == 0xff   ? UINT64_MAX
                                 : cursor_segment == 0xfe ? UINT64_MAX - 1
                                                          : cursor_segment % 10;
        if (control & 2)
            writeFile(dir.path() / "cursor", raw_cursor);
        else
            writeFile(dir.path() / "cursor", validCursor(segment, cursor_offset));
    }

    exporting::SpoolConfig config;
    config.dir = dir.path().string();
    config.max_bytes = (control & 0x40) ? 2048 : 1 << 20;
    config.segment_bytes = 512;
    config.fsync = exporting::SpoolFsync::kNever;
    const size_t batch = size_t{1} << ((control >> 4) & 3) * 2; // 1, 4, 16, 64

    std::vector<SpoolRecord> appended;
    {
        std::unique_ptr<DiskSpool> spool = DiskSpool::open(config); // must not throw
        const uint64_t pending = spool->counters().pending;
        const std::vector<SpoolRecord> replayed = readAll(*spool, batch);
        if (replayed.size() != pending) std::abort();
        for (const SpoolRecord& r : replayed)
            if (r.key.size() > exporting::spool_format::kMaxKeyBytes ||
                r.payload.size() > exporting::spool_format::kMaxPayloadBytes)
                std::abort();
        spool->rewindRead();
        if (!same(readAll(*spool, batch + 1), replayed)) std::abort();
        spool->commitRead();
        if (!spool->empty() || spool->counters().pending != 0) std::abort();
        for (int i = 0; i < 3; ++i) {
            SpoolRecord r{"flow-" + std::to_string(i), "{\"alert\":" + std::to_string(i) + "}",
                          1'700'000'000'000'000 + i};
            if (spool->append(r.key, r.payload, r.origin_us)) appended.push_back(std::move(r));
        }
        if (spool->counters().pending != appended.size()) std::abort();
    }
    // Reopened, the spool replays exactly what was appended after the commit.
    std::unique_ptr<DiskSpool> spool = DiskSpool::open(config);
    if (!same(readAll(*spool, batch), appended)) std::abort();
    return 0;
}
