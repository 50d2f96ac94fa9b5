// TlsRecordFilter (dpi/decode/tls/tls_record_filter.h): which bytes of a TLS direction are read,
// which are framing, which are ciphertext; the same whatever the chunking; plaintext after the
// framing is lost is read in full.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/decode/tls/tls_record_filter.h"

using egressmon::dpi::SniffResult;
using egressmon::dpi::sniffTlsRecord;
using egressmon::dpi::TlsRecordFilter;
using RunKind = TlsRecordFilter::Run;

namespace {

std::string record(uint8_t type, const std::string& body, uint8_t minor = 3) {
    std::string r{static_cast<char>(type), 3, static_cast<char>(minor),
                  static_cast<char>(body.size() >> 8), static_cast<char>(body.size() & 0xff)};
    return r + body;
}

// What the filter said about a stream: the bytes to read in order, and the byte counts of the
// other two kinds.
struct Seen {
    std::string read;
    uint64_t framing = 0;
    uint64_t ciphertext = 0;
    bool lost = false;
    bool operator==(const Seen&) const = default;
};

template <class Pieces> Seen walk(const std::string& stream, Pieces&& cut_points) {
    TlsRecordFilter f;
    Seen seen;
    const auto run = [&](RunKind kind, const uint8_t* bytes, uint32_t n) {
        if (kind == RunKind::kRead) seen.read.append(reinterpret_cast<const char*>(bytes), n);
        if (kind == RunKind::kFraming) seen.framing += n;
        if (kind == RunKind::kCiphertext) seen.ciphertext += n;
    };
    size_t from = 0;
    for (size_t to : cut_points) {
        f.walk(reinterpret_cast<const uint8_t*>(stream.data()) + from,
               static_cast<uint32_t>(to - from), run);
        from = to;
    }
    f.walk(reinterpret_cast<const uint8_t*>(stream.data()) + from,
           static_cast<uint32_t>(stream.size() - from), run);
    f.end(run);
    seen.lost = f.lost();
    return seen;
}

const std::string kHello = record(22, "client hello for secret.example.com");
const std::string kCcs = record(20, "\x01");
const std::string kAppData = record(23, std::string(300, 'x') + "TOP SECRET in ciphertext");
const std::string kAlert = record(21, std::string("\x01\x00", 2));

} // namespace

TEST(TlsRecordFilter, OnlyApplicationDataIsSkippedEveryOtherBodyIsRead) {
    const std::string stream = kHello + kCcs + kAppData + kAlert;
    const Seen seen = walk(stream, std::vector<size_t>{});
    EXPECT_EQ(seen.read, "client hello for secret.example.com\x01" + std::string("\x01\x00", 2));
    EXPECT_EQ(seen.ciphertext, kAppData.size() - 5);
    EXPECT_EQ(seen.framing, 4 * 5u); // the four headers
    EXPECT_FALSE(seen.lost);
}

TEST(TlsRecordFilter, PlaintextInAnAlertOrHeartbeatRecordIsRead) {
    // Only application data passes unread: a long "alert" or "heartbeat" hides nothing.
    const std::string stream =
        kHello + record(21, "alert? TOP SECRET") + record(24, "beat: TOP SECRET");
    const Seen seen = walk(stream, std::vector<size_t>{});
    EXPECT_EQ(seen.read, "client hello for secret.example.comalert? TOP SECRETbeat: TOP SECRET");
    EXPECT_EQ(seen.ciphertext, 0u);
}

TEST(TlsRecordFilter, EverySplitInTwoOrThreeGivesTheSameRuns) {
    const std::string stream = kHello + kCcs + record(23, "abc") + "plain TOP SECRET after it";
    const Seen whole = walk(stream, std::vector<size_t>{});
    EXPECT_TRUE(whole.lost);
    EXPECT_EQ(whole.read, "client hello for secret.example.com\x01plain TOP SECRET after it");
    for (size_t i = 0; i <= stream.size(); ++i) {
        ASSERT_EQ(walk(stream, std::vector<size_t>{i}), whole) << "cut at " << i;
        for (size_t j = i; j <= stream.size(); j += 7)
            ASSERT_EQ(walk(stream, std::vector<size_t>{i, j}), whole) << i << "," << j;
    }
}

TEST(TlsRecordFilter, ABadHeaderIsReadWhole) {
    // "TOP S" is read as a header, refused, and given back to read: no byte of the plaintext
    // is lost to the framing, even when it arrives a byte at a time.
    const std::string stream = kHello + "TOP SECRET";
    std::vector<size_t> every_byte;
    for (size_t i = kHello.size() + 1; i < stream.size(); ++i)
        every_byte.push_back(i);
    const Seen seen = walk(stream, every_byte);
    EXPECT_TRUE(seen.lost);
    EXPECT_EQ(seen.read, "client hello for secret.example.comTOP SECRET");
}

TEST(TlsRecordFilter, RecordsLongerThanTlsAllowsLoseTheFraming) {
    std::string big = record(23, "");
    big[3] = static_cast<char>(((TlsRecordFilter::kMaxRecordBytes + 1) >> 8) & 0xff);
    big[4] = static_cast<char>((TlsRecordFilter::kMaxRecordBytes + 1) & 0xff);
    EXPECT_TRUE(walk(kHello + big, std::vector<size_t>{}).lost);
    std::string largest = record(23, std::string(TlsRecordFilter::kMaxRecordBytes, 'c'));
    const Seen at_limit = walk(kHello + largest, std::vector<size_t>{});
    EXPECT_FALSE(at_limit.lost);
    EXPECT_EQ(at_limit.ciphertext, TlsRecordFilter::kMaxRecordBytes);
    EXPECT_TRUE(walk(kHello + record(23, "x", 5), std::vector<size_t>{}).lost); // version 3.5
    EXPECT_TRUE(walk(kHello + record(25, "x"), std::vector<size_t>{}).lost);    // no such type
}

TEST(TlsRecordFilter, AGapInsideARecordKeepsTheFramingOneAcrossItLosesIt) {
    TlsRecordFilter f;
    std::string read;
    const auto run = [&](RunKind kind, const uint8_t* bytes, uint32_t n) {
        if (kind == RunKind::kRead) read.append(reinterpret_cast<const char*>(bytes), n);
    };
    const std::string first = kAppData.substr(0, 100);
    f.walk(reinterpret_cast<const uint8_t*>(first.data()), 100, run);
    f.gap(kAppData.size() - 100, run); // ends exactly with the record
    EXPECT_FALSE(f.lost());
    f.walk(reinterpret_cast<const uint8_t*>(kHello.data()), 3, run); // a header cut by a hole
    f.gap(10, run);
    EXPECT_TRUE(f.lost());
    EXPECT_EQ(read, kHello.substr(0, 3)); // the held header bytes are read, not dropped
}

TEST(TlsRecordFilter, SniffWantsAHandshakeRecordOfAKnownVersion) {
    const auto sniff = [](const std::string& s) {
        return sniffTlsRecord(reinterpret_cast<const uint8_t*>(s.data()),
                              static_cast<uint32_t>(s.size()));
    };
    EXPECT_EQ(sniff(kHello), SniffResult::kYes);
    EXPECT_EQ(sniff(kHello.substr(0, 4)), SniffResult::kNeedMore);
    EXPECT_EQ(sniff(std::string("\x16", 1)), SniffResult::kNeedMore);
    EXPECT_EQ(sniff(kAppData), SniffResult::kNo); // a direction does not start with data
    EXPECT_EQ(sniff("GET / HTTP/1.1\r\n"), SniffResult::kNo);
    EXPECT_EQ(sniff(record(22, "", 1)), SniffResult::kNo); // an empty handshake record
    EXPECT_EQ(sniff(std::string("\x16\x03\x07", 3)), SniffResult::kNo);
}
