#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <zlib.h>

#include "export/disk_spool.h"

using namespace egressmon::exporting;
namespace fs = std::filesystem;

namespace {

std::string keyFor(int i) {
    return "flow-" + std::to_string(i);
}
std::string payloadFor(int i) {
    return "{\"event_type\":\"alert\",\"alert\":\"alert-" + std::to_string(i) + "\"}";
}
int64_t originFor(int i) {
    return 1'700'000'000'000'000 + i;
}
uint64_t recordBytes(int i) {
    return spool_format::kRecordHeaderBytes + keyFor(i).size() + payloadFor(i).size();
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
}

// Sorted, so front() is the oldest segment.
std::vector<fs::path> segmentFiles(const std::string& dir) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".seg") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

uint64_t segmentBytesOnDisk(const std::string& dir) {
    uint64_t total = 0;
    for (const auto& file : segmentFiles(dir))
        total += fs::file_size(file);
    return total;
}

// Where record i starts in `file`, found through its payload (unique per record).
size_t recordOffset(const std::string& file_content, int i) {
    const size_t payload_at = file_content.find(payloadFor(i));
    EXPECT_NE(payload_at, std::string::npos) << "record " << i;
    return payload_at - keyFor(i).size() - spool_format::kRecordHeaderBytes;
}

void appendRecords(DiskSpool& spool, int from, int to) {
    for (int i = from; i < to; ++i)
        ASSERT_TRUE(spool.append(keyFor(i), payloadFor(i), originFor(i))) << "record " << i;
}

std::vector<SpoolRecord> readAll(DiskSpool& spool, size_t batch = 7) {
    std::vector<SpoolRecord> records;
    while (spool.readNext(batch, records) > 0) {
    }
    return records;
}

// The indexes of records written by appendRecords, checking key and origin match the payload.
std::vector<int> indexesOf(const std::vector<SpoolRecord>& records) {
    std::vector<int> indexes;
    for (const auto& record : records) {
        const size_t at = record.payload.find("alert-");
        EXPECT_NE(at, std::string::npos) << record.payload;
        const int i = std::atoi(record.payload.c_str() + at + 6);
        EXPECT_EQ(record.payload, payloadFor(i));
        EXPECT_EQ(record.key, keyFor(i));
        EXPECT_EQ(record.origin_us, originFor(i));
        indexes.push_back(i);
    }
    return indexes;
}

std::vector<int> range(int from, int to) {
    std::vector<int> indexes;
    for (int i = from; i < to; ++i)
        indexes.push_back(i);
    return indexes;
}

class DiskSpoolTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = ::testing::TempDir() + "/disk_spool_XXXXXX";
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
        dir_ = root_ + "/nested/spool"; // open() creates the missing levels
    }
    void TearDown() override {
        std::error_code ignored;
        fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ignored);
        fs::remove_all(root_, ignored);
    }
    SpoolConfig config(uint64_t segment_bytes = 16ULL << 20, uint64_t max_bytes = 1ULL << 30) {
        SpoolConfig config;
        config.dir = dir_;
        config.segment_bytes = segment_bytes;
        config.max_bytes = max_bytes;
        return config;
    }

    std::string root_;
    std::string dir_;
};

TEST_F(DiskSpoolTest, AppendsAreReadBackInOrderAcrossSegments) {
    auto spool = DiskSpool::open(config(/*segment_bytes=*/300));
    EXPECT_TRUE(spool->empty());
    appendRecords(*spool, 0, 40);
    const auto files = segmentFiles(dir_);
    ASSERT_GT(files.size(), 3u);
    EXPECT_EQ(files.front().filename(), "00000000000000000001.seg");
    EXPECT_FALSE(spool->empty());
    EXPECT_EQ(indexesOf(readAll(*spool)), range(0, 40));
    const auto counters = spool->counters();
    EXPECT_EQ(counters.appended, 40u);
    EXPECT_EQ(counters.pending, 40u); // handed out, not yet committed
    EXPECT_EQ(counters.bytes, segmentBytesOnDisk(dir_));
    EXPECT_EQ(spool->bytes(), counters.bytes);
    EXPECT_EQ(counters.corrupt_records, 0u);
}

TEST_F(DiskSpoolTest, ReadNextSeesRecordsAppendedAfterEarlierReads) {
    auto spool = DiskSpool::open(config(/*segment_bytes=*/200));
    appendRecords(*spool, 0, 2);
    std::vector<SpoolRecord> records;
    EXPECT_EQ(spool->readNext(10, records), 2u);
    EXPECT_EQ(spool->readNext(10, records), 0u);
    appendRecords(*spool, 2, 9); // into the segment being read, then into new ones
    EXPECT_EQ(spool->readNext(3, records), 3u);
    EXPECT_EQ(spool->readNext(10, records), 4u);
    EXPECT_EQ(indexesOf(records), range(0, 9));
}

TEST_F(DiskSpoolTest, ReopenReplaysUncommittedRecordsButNotCommittedOnes) {
    {
        auto spool = DiskSpool::open(config(/*segment_bytes=*/250));
        appendRecords(*spool, 0, 10);
        std::vector<SpoolRecord> records;
        ASSERT_EQ(spool->readNext(4, records), 4u);
        spool->commitRead();
        ASSERT_EQ(spool->readNext(3, records), 3u); // handed out but never committed
        EXPECT_EQ(spool->counters().replayed, 4u);
        EXPECT_EQ(spool->counters().pending, 6u);
    }
    auto spool = DiskSpool::open(config(/*segment_bytes=*/250));
    EXPECT_EQ(spool->counters().pending, 6u);
    EXPECT_EQ(indexesOf(readAll(*spool)), range(4, 10));
}

TEST_F(DiskSpoolTest, RewindHandsTheSameRecordsOutAgain) {
    auto spool = DiskSpool::open(config(/*segment_bytes=*/200));
    appendRecords(*spool, 0, 6);
    std::vector<SpoolRecord> first;
    ASSERT_EQ(spool->readNext(4, first), 4u);
    spool->rewindRead();
    EXPECT_EQ(indexesOf(readAll(*spool)), range(0, 6));
    spool->commitRead();
    EXPECT_EQ(spool->counters().replayed, 6u); // the rewound hand-out is not counted
    EXPECT_EQ(spool->counters().pending, 0u);
    EXPECT_TRUE(spool->empty());
}

TEST_F(DiskSpoolTest, CommitDeletesConsumedSegmentsAndReducesBytes) {
    auto spool = DiskSpool::open(config(/*segment_bytes=*/200));
    appendRecords(*spool, 0, 30);
    const size_t segments_before = segmentFiles(dir_).size();
    const uint64_t bytes_before = spool->bytes();
    EXPECT_EQ(bytes_before, segmentBytesOnDisk(dir_));

    std::vector<SpoolRecord> records;
    ASSERT_EQ(spool->readNext(15, records), 15u);
    spool->commitRead();
    EXPECT_LT(segmentFiles(dir_).size(), segments_before);
    EXPECT_LT(spool->bytes(), bytes_before);
    EXPECT_EQ(spool->bytes(), segmentBytesOnDisk(dir_));
    EXPECT_EQ(spool->counters().pending, 15u);

    EXPECT_EQ(indexesOf(readAll(*spool)), range(15, 30));
    const auto last_name = segmentFiles(dir_).back().filename().string();
    spool->commitRead();
    EXPECT_TRUE(spool->empty());
    EXPECT_TRUE(segmentFiles(dir_).empty()); // even the segment being written, once delivered
    EXPECT_EQ(spool->bytes(), 0u);

    // Sequence numbers are never reused, so an old cursor can never point into a new segment.
    appendRecords(*spool, 30, 31);
    ASSERT_EQ(segmentFiles(dir_).size(), 1u);
    EXPECT_GT(segmentFiles(dir_).front().filename().string(), last_name);
    EXPECT_EQ(indexesOf(readAll(*spool)), range(30, 31));
}

TEST_F(DiskSpoolTest, FullSpoolRefusesAppendsUntilCommitFreesSpace) {
    auto spool = DiskSpool::open(config(/*segment_bytes=*/16ULL << 20, /*max_bytes=*/1000));
    int appended = 0;
    while (spool->append(keyFor(appended), payloadFor(appended), originFor(appended)))
        ++appended;
    ASSERT_GT(appended, 5);
    auto counters = spool->counters();
    EXPECT_EQ(counters.dropped_full, 1u);
    EXPECT_EQ(counters.appended, static_cast<uint64_t>(appended));
    EXPECT_EQ(counters.pending, static_cast<uint64_t>(appended));
    EXPECT_LE(counters.bytes, 1000u);
    EXPECT_GT(counters.bytes + recordBytes(appended), 1000u);
    EXPECT_FALSE(spool->append(keyFor(appended), payloadFor(appended), originFor(appended)));
    EXPECT_EQ(spool->counters().dropped_full, 2u);

    EXPECT_EQ(indexesOf(readAll(*spool)), range(0, appended));
    spool->commitRead();
    EXPECT_TRUE(spool->append(keyFor(appended), payloadFor(appended), originFor(appended)));
    EXPECT_EQ(spool->counters().dropped_full, 2u);
}

TEST_F(DiskSpoolTest, TornTailIsTruncatedAtOpenAndEarlierRecordsReplayed) {
    {
        auto spool = DiskSpool::open(config());
        appendRecords(*spool, 0, 5);
    }
    const auto segment = segmentFiles(dir_).back();
    const uint64_t intact_bytes = fs::file_size(segment) - recordBytes(4);
    const uint64_t torn_bytes = recordBytes(4) / 2; // a crash in the middle of the last append
    fs::resize_file(segment, intact_bytes + torn_bytes);

    auto spool = DiskSpool::open(config());
    auto counters = spool->counters();
    EXPECT_EQ(counters.corrupt_records, 1u);
    EXPECT_EQ(counters.corrupt_bytes, torn_bytes);
    EXPECT_EQ(counters.pending, 4u);
    EXPECT_EQ(fs::file_size(segment), intact_bytes); // cut off, so appends continue cleanly
    EXPECT_EQ(counters.bytes, intact_bytes);
    EXPECT_EQ(indexesOf(readAll(*spool)), range(0, 4));
    appendRecords(*spool, 5, 6);
    std::vector<SpoolRecord> records;
    EXPECT_EQ(spool->readNext(10, records), 1u);
    EXPECT_EQ(indexesOf(records), range(5, 6));
}

TEST_F(DiskSpoolTest, FlippedPayloadByteSkipsOnlyThatRecord) {
    {
        auto spool = DiskSpool::open(config(/*segment_bytes=*/400));
        appendRecords(*spool, 0, 12);
    }
    // A record in the middle of a segment that is neither the first nor the last.
    const auto segment = segmentFiles(dir_)[1];
    std::string content = readFile(segment);
    int victim = -1;
    for (int i = 0; i < 12 && victim < 0; ++i)
        if (content.find(payloadFor(i)) != std::string::npos && i > 0 &&
            content.find(payloadFor(i - 1)) != std::string::npos &&
            content.find(payloadFor(i + 1)) != std::string::npos)
            victim = i;
    ASSERT_GE(victim, 0) << "needs a segment holding at least three records";
    content[content.find(payloadFor(victim)) + 3] ^= 0x01;
    writeFile(segment, content);

    auto spool = DiskSpool::open(config(/*segment_bytes=*/400));
    std::vector<int> expected = range(0, 12);
    expected.erase(expected.begin() + victim);
    EXPECT_EQ(spool->counters().pending, 11u);
    EXPECT_EQ(indexesOf(readAll(*spool)), expected);
    spool->rewindRead();
    EXPECT_EQ(indexesOf(readAll(*spool)), expected); // skipped again, not counted again
    const auto counters = spool->counters();
    EXPECT_EQ(counters.corrupt_records, 1u);
    EXPECT_EQ(counters.corrupt_bytes, recordBytes(victim));
    spool->commitRead();
    EXPECT_TRUE(spool->empty());
}

TEST_F(DiskSpoolTest, HugeLengthFieldIsSkippedWithoutAllocating) {
    // Beyond the format's bound, and within the bound but beyond the segment's end.
    for (const uint32_t bad_length : {0xFFFFFFF0u, spool_format::kMaxPayloadBytes}) {
        SCOPED_TRACE(bad_length);
        fs::remove_all(dir_);
        {
            auto spool = DiskSpool::open(config());
            appendRecords(*spool, 0, 5);
        }
        const auto segment = segmentFiles(dir_).front();
        std::string content = readFile(segment);
        const size_t length_at = recordOffset(content, 2) + spool_format::kPayloadLengthOffset;
        for (int i = 0; i < 4; ++i)
            content[length_at + i] = static_cast<char>(bad_length >> (8 * i));
        writeFile(segment, content);

        rusage before{};
        getrusage(RUSAGE_SELF, &before);
        auto spool = DiskSpool::open(config());
        EXPECT_EQ(indexesOf(readAll(*spool)), (std::vector<int>{0, 1, 3, 4}));
        rusage after{};
        getrusage(RUSAGE_SELF, &after);
        // Peak resident size (KiB): a buffer of the bogus length would be touched and show.
        EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 8 * 1024);
        EXPECT_EQ(spool->counters().corrupt_records, 1u);
        EXPECT_EQ(spool->counters().corrupt_bytes, recordBytes(2));
    }
}

TEST_F(DiskSpoolTest, DamagedCursorFileReplaysFromTheOldestSegment) {
    {
        auto spool = DiskSpool::open(config(/*segment_bytes=*/200));
        appendRecords(*spool, 0, 12);
        std::vector<SpoolRecord> records;
        ASSERT_EQ(spool->readNext(7, records), 7u);
        spool->commitRead();
    }
    const std::string cursor = dir_ + "/cursor";
    std::string content = readFile(cursor);
    ASSERT_EQ(content.size(), spool_format::kCursorBytes);
    content[12] ^= 0x40; // the offset: a valid-looking but wrong position
    writeFile(cursor, content);

    const std::string oldest = readFile(segmentFiles(dir_).front());
    auto spool = DiskSpool::open(config(/*segment_bytes=*/200));
    EXPECT_EQ(spool->counters().corrupt_records, 1u);
    const auto indexes = indexesOf(readAll(*spool));
    ASSERT_FALSE(indexes.empty());
    // From the first record of the oldest remaining segment, through to the last record.
    EXPECT_EQ(recordOffset(oldest, indexes.front()), 0u);
    EXPECT_LE(indexes.front(), 7);
    EXPECT_EQ(indexes, range(indexes.front(), 12));
    EXPECT_EQ(spool->counters().pending, indexes.size());
}

// Found by tests/fuzz/disk_spool_fuzz: a cursor whose CRC holds but which names the last
// sequence number made the next segment number wrap to 0, so the records in the segments were
// deleted as consumed and new appends went to a segment before the cursor, lost at reopen.
TEST_F(DiskSpoolTest, CursorNamingTheLastSequenceNumberIsDamageNotAWrap) {
    {
        auto spool = DiskSpool::open(config());
        appendRecords(*spool, 0, 5);
    }
    std::string cursor = "\xFF"
                         "EC1";
    for (int i = 0; i < 8; ++i)
        cursor += static_cast<char>(0xFF); // segment UINT64_MAX
    cursor += std::string(8, '\0');        // offset 0
    const auto sum = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(cursor.data()), static_cast<uInt>(cursor.size())));
    for (int i = 0; i < 4; ++i)
        cursor += static_cast<char>(sum >> (8 * i));
    writeFile(dir_ + "/cursor", cursor);

    {
        auto spool = DiskSpool::open(config());
        EXPECT_EQ(spool->counters().corrupt_records, 1u);
        EXPECT_EQ(indexesOf(readAll(*spool)), range(0, 5)); // replayed from the oldest segment
        spool->commitRead();
        appendRecords(*spool, 5, 8);
    }
    auto spool = DiskSpool::open(config());
    EXPECT_EQ(indexesOf(readAll(*spool)), range(5, 8));
}

TEST_F(DiskSpoolTest, MissingCursorFileReplaysFromTheOldestSegment) {
    {
        auto spool = DiskSpool::open(config(/*segment_bytes=*/16ULL << 20));
        appendRecords(*spool, 0, 6);
        std::vector<SpoolRecord> records;
        ASSERT_EQ(spool->readNext(3, records), 3u);
        spool->commitRead();
    }
    fs::remove(dir_ + "/cursor");
    auto spool = DiskSpool::open(config());
    EXPECT_EQ(indexesOf(readAll(*spool)), range(0, 6));
    EXPECT_EQ(spool->counters().corrupt_records, 0u);
}

TEST_F(DiskSpoolTest, SecondOpenOfTheSameDirectoryThrowsNamingIt) {
    auto first = DiskSpool::open(config());
    try {
        DiskSpool::open(config());
        FAIL() << "a second spool on " << dir_ << " opened";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find(dir_), std::string::npos) << error.what();
    }
    first.reset();
    EXPECT_NO_THROW(DiskSpool::open(config())); // the lock goes with the spool
}

TEST_F(DiskSpoolTest, UncreatableDirectoryThrowsNamingIt) {
    writeFile(root_ + "/plain_file", "not a directory");
    SpoolConfig bad = config();
    bad.dir = root_ + "/plain_file/spool";
    try {
        DiskSpool::open(bad);
        FAIL() << "opened a spool below a regular file";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find(bad.dir), std::string::npos) << error.what();
    }
}

TEST_F(DiskSpoolTest, UnwritableDirectoryThrowsNamingIt) {
    if (geteuid() == 0) GTEST_SKIP() << "root writes to read-only directories";
    DiskSpool::open(config()).reset(); // exists, with its lock file
    fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
    try {
        DiskSpool::open(config());
        FAIL() << "opened a read-only spool directory";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find(dir_), std::string::npos) << error.what();
    }
}

TEST_F(DiskSpoolTest, EveryFsyncPolicyKeepsRecordsAcrossReopen) {
    for (const SpoolFsync policy :
         {SpoolFsync::kEveryRecord, SpoolFsync::kInterval, SpoolFsync::kNever}) {
        SCOPED_TRACE(static_cast<int>(policy));
        fs::remove_all(dir_);
        SpoolConfig spool_config = config(/*segment_bytes=*/200);
        spool_config.fsync = policy;
        spool_config.fsync_interval_ms = 0; // every tick syncs what is pending
        {
            auto spool = DiskSpool::open(spool_config);
            appendRecords(*spool, 0, 10);
            spool->tick();
            appendRecords(*spool, 10, 20);
            spool->sync();
            std::vector<SpoolRecord> records;
            ASSERT_EQ(spool->readNext(5, records), 5u);
            spool->commitRead();
            spool->tick();
            EXPECT_EQ(spool->counters().io_errors, 0u);
        }
        auto spool = DiskSpool::open(spool_config);
        EXPECT_EQ(indexesOf(readAll(*spool)), range(5, 20));
    }
}

TEST_F(DiskSpoolTest, DamageAppearingAfterOpenIsSkippedCountedOnceAndPendingStaysExact) {
    auto spool = DiskSpool::open(config());
    appendRecords(*spool, 0, 5);
    const auto segment = segmentFiles(dir_).front();
    std::string content = readFile(segment);
    content[content.find(payloadFor(2))] ^= 0x20;
    writeFile(segment, content); // same size, same inode: only the bytes change

    EXPECT_EQ(indexesOf(readAll(*spool)), (std::vector<int>{0, 1, 3, 4}));
    EXPECT_EQ(spool->counters().pending, 4u);
    spool->rewindRead();
    EXPECT_EQ(indexesOf(readAll(*spool)), (std::vector<int>{0, 1, 3, 4}));
    EXPECT_EQ(spool->counters().corrupt_records, 1u);
    spool->commitRead();
    EXPECT_EQ(spool->counters().pending, 0u);
    EXPECT_EQ(spool->counters().replayed, 4u);
    EXPECT_TRUE(spool->empty());
}

TEST_F(DiskSpoolTest, RecordLargerThanASegmentStillGoesIn) {
    auto spool = DiskSpool::open(config(/*segment_bytes=*/100));
    const std::string big(1000, 'x');
    ASSERT_TRUE(spool->append("big", big, 7));
    appendRecords(*spool, 0, 2);
    std::vector<SpoolRecord> records;
    ASSERT_EQ(spool->readNext(10, records), 3u);
    EXPECT_EQ(records[0].payload, big);
    EXPECT_EQ(records[0].key, "big");
    EXPECT_EQ(records[0].origin_us, 7);
    EXPECT_EQ(records[1].payload, payloadFor(0));
    EXPECT_EQ(records[2].payload, payloadFor(1));
    EXPECT_GT(fs::file_size(segmentFiles(dir_).front()), 1000u);
}

TEST_F(DiskSpoolTest, KeyOrPayloadBeyondTheFormatBoundsIsRefusedAndCounted) {
    auto spool = DiskSpool::open(config());
    EXPECT_FALSE(spool->append("k", std::string(spool_format::kMaxPayloadBytes + 1, 'p'), 0));
    EXPECT_FALSE(spool->append(std::string(spool_format::kMaxKeyBytes + 1, 'k'), "{}", 0));
    EXPECT_EQ(spool->counters().dropped_too_large, 2u);
    EXPECT_EQ(spool->counters().appended, 0u);
    EXPECT_TRUE(spool->empty());
}

} // namespace

// The spool directory belongs to the unprivileged run-as user, but the next start opens it as
// root: links planted in it must not steer root into other files.
TEST_F(DiskSpoolTest, PlantedLinksAreNeverFollowed) {
    { DiskSpool::open(config()); }
    const std::string victim = root_ + "/victim";
    std::ofstream(victim) << "precious, not spool data\n";
    const auto victim_bytes = fs::file_size(victim);
    const auto victim_intact = [&] {
        std::ifstream in(victim);
        std::string text;
        std::getline(in, text);
        return fs::file_size(victim) == victim_bytes && text == "precious, not spool data";
    };
    // A segment name pointing elsewhere: recovery would otherwise take the victim for a segment
    // with a torn tail and truncate it. The start is refused instead.
    fs::create_symlink(victim, dir_ + "/00000000000000000005.seg");
    try {
        DiskSpool::open(config());
        ADD_FAILURE() << "a spool with a planted segment link was opened";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(victim_intact());
    fs::remove(dir_ + "/00000000000000000005.seg");
    // A cursor that is a link: the start is refused rather than the link followed.
    fs::remove(dir_ + "/cursor");
    fs::create_symlink(victim, dir_ + "/cursor");
    EXPECT_THROW(DiskSpool::open(config()), std::runtime_error);
    EXPECT_TRUE(victim_intact());
}

TEST_F(DiskSpoolTest, SpoolDirectoryThatIsALinkIsRefused) {
    const std::string real = root_ + "/real";
    fs::create_directories(real);
    fs::create_directories(fs::path(dir_).parent_path());
    fs::create_symlink(real, dir_);
    try {
        DiskSpool::open(config());
        FAIL() << "a symlinked spool directory was opened";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("is a symbolic link"), std::string::npos) << e.what();
    }
}
