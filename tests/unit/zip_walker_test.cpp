// ZipWalker (dpi/transform/zip/): local headers walked push-style, stored and deflate entries
// decoded, data descriptors, ZIP64 sizes, skipped entries, bounds, holes, the end of the entries,
// and the same events for any split of the input.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <zlib.h>

#include "dpi/transform/zip/zip_walker.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

// --- building archives -----------------------------------------------------------------------

std::string le(uint64_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i)
        out += static_cast<char>((v >> (8 * i)) & 0xff);
    return out;
}

uint32_t crcOf(std::string_view s) {
    return static_cast<uint32_t>(crc32(0, test::u8(s), static_cast<uInt>(s.size())));
}

// One local entry as a writer lays it out: Spec("name", "content") is a deflated entry.
struct Spec {
    explicit Spec(std::string entry_name, std::string content = {})
        : name(std::move(entry_name)), data(std::move(content)) {}
    Spec& stored() { return withMethod(0); }
    Spec& withMethod(uint16_t m) {
        method = m; // 8: deflated with zlib's raw deflate; others: written as is
        return *this;
    }
    Spec& withFlags(uint16_t f) {
        flags = f;
        return *this;
    }
    // Flag bit 3: zero sizes and crc in the header, a data descriptor after the data.
    Spec& streamed(bool signature = true) {
        descriptor = true;
        descriptor_signature = signature;
        return *this;
    }
    // With a descriptor, the sizes and crc in the header all the same (as Info-ZIP writes an
    // encrypted entry to a file).
    Spec& withSizesInHeader() {
        sizes_in_header = true;
        return *this;
    }
    // Header sizes 0xffffffff, a ZIP64 block (and 8-byte descriptor sizes).
    Spec& withZip64(bool on = true) {
        zip64 = on;
        return *this;
    }
    Spec& withExtra(std::string blocks) { // extra blocks before the ZIP64 one
        extra_before = std::move(blocks);
        return *this;
    }
    Spec& withPayload(std::string bytes) { // the bytes written as the entry's data
        payload = std::move(bytes);
        return *this;
    }
    Spec& withCrc(uint32_t c) { // the crc the header or descriptor says
        crc = c;
        return *this;
    }
    Spec& withHeaderSize(uint64_t uncompressed) { // the uncompressed size the header says
        header_uncompressed = uncompressed;
        return *this;
    }

    std::string name, data;
    uint16_t method = 8, flags = 0;
    bool descriptor = false, descriptor_signature = true, sizes_in_header = false, zip64 = false;
    std::string extra_before;
    std::optional<std::string> payload;
    std::optional<uint32_t> crc;
    std::optional<uint64_t> header_uncompressed;
};

std::string localEntry(const Spec& s) {
    const std::string payload = s.payload       ? *s.payload
                                : s.method == 8 ? test::compress(s.data, -15)
                                                : s.data;
    const uint32_t crc = s.crc ? *s.crc : crcOf(s.data);
    const uint64_t cs = payload.size();
    const uint64_t us = s.header_uncompressed ? *s.header_uncompressed : s.data.size();
    const bool zeros = s.descriptor && !s.sizes_in_header; // the descriptor has them
    std::string extra = s.extra_before;
    std::string out = std::string("PK\3\4", 4) + le(s.zip64 ? 45 : 20, 2) +
                      le(s.flags | (s.descriptor ? 8 : 0), 2) + le(s.method, 2) + le(0x6000, 2) +
                      le(0x5821, 2) + le(zeros ? 0 : crc, 4);
    if (s.zip64) {
        out += le(0xffffffff, 4) + le(0xffffffff, 4);
        extra += le(1, 2) + le(16, 2) + le(zeros ? 0 : us, 8) + le(zeros ? 0 : cs, 8);
    } else {
        out += le(zeros ? 0 : cs, 4) + le(zeros ? 0 : us, 4);
    }
    out += le(s.name.size(), 2) + le(extra.size(), 2) + s.name + extra + payload;
    if (s.descriptor) {
        if (s.descriptor_signature) out += std::string("PK\7\x08", 4);
        out += le(crc, 4) + le(cs, s.zip64 ? 8 : 4) + le(us, s.zip64 ? 8 : 4);
    }
    return out;
}

// Where the walk ends: a central directory header, then the end record (neither is read).
std::string centralDirectory() {
    return std::string("PK\1\2", 4) + std::string(42, '\0') + std::string("PK\5\6", 4) +
           std::string(18, '\0');
}

std::string archive(const std::vector<Spec>& entries) {
    std::string out;
    for (const Spec& e : entries)
        out += localEntry(e);
    return out + centralDirectory();
}

std::string sample(int lines = 200) {
    std::string s;
    for (int i = 0; i < lines; ++i)
        s += "row " + std::to_string(i * 7919 % 1000) + " CONFIDENTIAL 4111 1111 1111 1111\n";
    return s;
}

// --- walking them ----------------------------------------------------------------------------

struct Seen {
    std::string name;
    uint16_t method = 0;
    bool encrypted = false, descriptor = false, directory = false;
    uint64_t compressed = 0, uncompressed = 0;
    std::string data;
    std::optional<ZipEntryEnd> end;
};

// Records the events and checks the handler contract as they come.
class Recorder final : public ZipEntryHandler {
  public:
    void entryBegin(const ZipEntryInfo& info) noexcept override {
        EXPECT_FALSE(open_) << "entryBegin inside an entry";
        open_ = true;
        entries.push_back({std::string(info.name),
                           info.method,
                           info.encrypted,
                           info.data_descriptor,
                           info.directory,
                           info.compressed_size,
                           info.uncompressed_size,
                           {},
                           {}});
    }
    void entryData(const uint8_t* data, size_t len) noexcept override {
        EXPECT_TRUE(open_) << "entryData outside an entry";
        EXPECT_GT(len, 0u);
        if (open_) entries.back().data.append(reinterpret_cast<const char*>(data), len);
    }
    void entryEnd(ZipEntryEnd how) noexcept override {
        EXPECT_TRUE(open_) << "entryEnd without entryBegin";
        open_ = false;
        if (!entries.empty()) entries.back().end = how;
    }
    bool open() const { return open_; }

    std::vector<Seen> entries;

  private:
    bool open_ = false;
};

enum class Ending { Finish, Abort, None };

struct Walk {
    std::vector<Seen> entries;
    ZipWalker::Counts counts;
    bool stopped = false;
};

Walk walk(const std::vector<std::string_view>& pieces, const ZipLimits& limits = {},
          Ending ending = Ending::Finish) {
    ZipWalker walker(limits);
    Recorder rec;
    for (auto p : pieces)
        walker.feed(test::u8(p), p.size(), rec);
    const bool stopped = walker.stopped();
    if (ending == Ending::Finish) walker.finish(rec);
    if (ending == Ending::Abort) walker.abort(rec);
    if (ending != Ending::None) {
        EXPECT_FALSE(rec.open());
    }
    return {std::move(rec.entries), walker.counts(), stopped};
}

Walk walk(std::string_view zip, const ZipLimits& limits = {}, Ending ending = Ending::Finish) {
    return walk(std::vector<std::string_view>{zip}, limits, ending);
}

const char* endName(std::optional<ZipEntryEnd> how) {
    if (!how) return "open";
    switch (*how) {
    case ZipEntryEnd::Complete: return "complete";
    case ZipEntryEnd::Truncated: return "truncated";
    case ZipEntryEnd::Encrypted: return "encrypted";
    case ZipEntryEnd::UnsupportedMethod: return "unsupported";
    case ZipEntryEnd::Bomb: return "bomb";
    case ZipEntryEnd::Corrupt: return "corrupt";
    }
    return "?";
}

// Every event and count as text, so whole and split walks compare in one EXPECT.
std::string describe(const Walk& w) {
    std::string out;
    for (const Seen& e : w.entries)
        out += e.name + " m" + std::to_string(e.method) + (e.encrypted ? " enc" : "") +
               (e.descriptor ? " dd" : "") + (e.directory ? " dir" : "") + " " +
               std::to_string(e.compressed) + "/" + std::to_string(e.uncompressed) + " [" + e.data +
               "] " + endName(e.end) + "\n";
    const auto& c = w.counts;
    for (uint64_t v : {c.entries, c.encrypted, c.unsupported_method, c.bombs, c.ratio_exceeded,
                       c.corrupt, c.entries_exceeded, c.names_truncated, c.gaps})
        out += std::to_string(v) + " ";
    return out + (w.stopped ? "stopped" : "open");
}

ZipLimits limitsWith(uint64_t max_entry_bytes, uint32_t ratio = 0) {
    ZipLimits l;
    l.max_entry_bytes = max_entry_bytes;
    l.max_compression_ratio = ratio;
    return l;
}

// --- entries ---------------------------------------------------------------------------------

TEST(ZipWalker, StoredAndDeflateEntriesAreDecoded) {
    const std::string text = sample();
    const Walk w = walk(archive({Spec("plain.txt", text).stored(), Spec("packed.txt", text)}));
    ASSERT_EQ(w.entries.size(), 2u);
    EXPECT_EQ(w.entries[0].name, "plain.txt");
    EXPECT_EQ(w.entries[0].method, 0);
    EXPECT_EQ(w.entries[0].compressed, text.size());
    EXPECT_EQ(w.entries[0].data, text);
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Complete);
    EXPECT_EQ(w.entries[1].method, 8);
    EXPECT_LT(w.entries[1].compressed, text.size());
    EXPECT_EQ(w.entries[1].uncompressed, text.size());
    EXPECT_EQ(w.entries[1].data, text);
    EXPECT_EQ(w.entries[1].end, ZipEntryEnd::Complete);
    EXPECT_TRUE(w.stopped);
    EXPECT_EQ(w.counts.entries, 2u);
    EXPECT_EQ(w.counts.corrupt, 0u);
}

TEST(ZipWalker, SeveralEntriesInArchiveOrder) {
    std::vector<Spec> specs;
    for (char c = 'a'; c < 'g'; ++c)
        specs.push_back(
            Spec(std::string(2, c), std::string((c - 'a') * 10, c)).withMethod(c % 2 ? 8 : 0));
    const Walk w = walk(archive(specs));
    ASSERT_EQ(w.entries.size(), 6u);
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(w.entries[i].name, specs[i].name);
        EXPECT_EQ(w.entries[i].data, specs[i].data);
        EXPECT_EQ(w.entries[i].end, ZipEntryEnd::Complete) << i;
    }
}

TEST(ZipWalker, EmptyEntriesAndEmptyArchive) {
    const Walk w = walk(archive({Spec("empty").stored(), Spec("empty.z")}));
    ASSERT_EQ(w.entries.size(), 2u);
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Complete);
    EXPECT_EQ(w.entries[1].end, ZipEntryEnd::Complete); // an empty deflate stream: 03 00
    const Walk none = walk(std::string("PK\5\6", 4) + std::string(18, '\0'));
    EXPECT_TRUE(none.entries.empty());
    EXPECT_TRUE(none.stopped);
    EXPECT_EQ(none.counts.corrupt, 0u);
}

TEST(ZipWalker, NamesArePassedAsStoredBytes) {
    const std::string utf8 = "r\xc3\xa9sum\xc3\xa9.txt"; // flag bit 11: UTF-8
    const std::string cp437 = "\x81"
                              "ber.txt"; // CP437 u-umlaut, not converted
    const Walk w = walk(archive({Spec(utf8, "x").withFlags(1 << 11), Spec(cp437, "y").stored()}));
    ASSERT_EQ(w.entries.size(), 2u);
    EXPECT_EQ(w.entries[0].name, utf8);
    EXPECT_EQ(w.entries[1].name, cp437);
    EXPECT_EQ(w.counts.names_truncated, 0u);
}

TEST(ZipWalker, LongNamesAreCutAndCounted) {
    ZipLimits limits;
    limits.max_name_bytes = 8;
    const std::string text = sample(5);
    const Walk w = walk(
        archive({Spec("a-very-long-name.txt", text), Spec("12345678", "ok").stored()}), limits);
    ASSERT_EQ(w.entries.size(), 2u);
    EXPECT_EQ(w.entries[0].name, "a-very-l");
    EXPECT_EQ(w.entries[0].data, text); // the rest of the name was skipped, not read as data
    EXPECT_EQ(w.entries[1].name, "12345678");
    EXPECT_EQ(w.counts.names_truncated, 1u);
}

TEST(ZipWalker, DirectoriesAreNamesEndingWithSlash) {
    ZipLimits limits;
    limits.max_name_bytes = 4;
    const Walk w = walk(archive({Spec("docs/").stored(), Spec("docs/a.txt", "a").stored(),
                                 Spec("META-INF/").streamed()}), // as jar writes it
                        limits);
    ASSERT_EQ(w.entries.size(), 3u);
    EXPECT_TRUE(w.entries[0].directory);
    EXPECT_FALSE(w.entries[1].directory);
    EXPECT_TRUE(w.entries[2].directory); // the cut name "META" still knows its last byte
    for (const Seen& e : w.entries)
        EXPECT_EQ(e.end, ZipEntryEnd::Complete) << e.name;
}

TEST(ZipWalker, UnknownExtraBlocksAreSkipped) {
    const std::string ut = le(0x5455, 2) + le(5, 2) + std::string("\x03\x01\x02\x03\x04", 5);
    const Walk w = walk(archive({Spec("t", "timed").stored().withExtra(ut), Spec("u", "next")}));
    ASSERT_EQ(w.entries.size(), 2u);
    EXPECT_EQ(w.entries[0].data, "timed");
    EXPECT_EQ(w.entries[1].data, "next");
}

// --- data descriptors ------------------------------------------------------------------------

TEST(ZipWalker, DeflateWithDataDescriptorEndsAtTheStreamEnd) {
    const std::string text = sample();
    for (bool signature : {true, false}) {
        const Walk w = walk(archive({Spec("streamed.txt", text).streamed(signature),
                                     Spec("after.txt", "after").streamed(signature),
                                     Spec("plain", "sized").stored()}));
        ASSERT_EQ(w.entries.size(), 3u) << signature;
        EXPECT_TRUE(w.entries[0].descriptor);
        EXPECT_EQ(w.entries[0].compressed, 0u);
        EXPECT_EQ(w.entries[0].data, text);
        EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Complete) << signature;
        EXPECT_EQ(w.entries[1].data, "after");
        EXPECT_EQ(w.entries[1].end, ZipEntryEnd::Complete) << signature;
        EXPECT_EQ(w.entries[2].end, ZipEntryEnd::Complete) << signature;
        EXPECT_TRUE(w.stopped);
    }
}

TEST(ZipWalker, DataDescriptorThatDisagreesIsCorrupt) {
    const Walk w = walk(
        archive({Spec("bad-crc", "abc").streamed().withCrc(1234), Spec("next", "def").stored()}));
    ASSERT_EQ(w.entries.size(), 2u);
    EXPECT_EQ(w.entries[0].data, "abc");
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Corrupt);
    EXPECT_EQ(w.entries[1].end, ZipEntryEnd::Complete);
    EXPECT_EQ(w.counts.corrupt, 1u);
}

TEST(ZipWalker, StoredWithDataDescriptorEndsAtTheMatchingDescriptor) {
    // The data holds a signature, a false descriptor (wrong sizes) and many 'P's.
    const std::string fake = std::string("PK\7\x08", 4) + le(0, 4) + le(3, 4) + le(3, 4);
    const std::string data = "PPPK" + fake + "P" + std::string("PK\7", 3) + sample(3) + "PK";
    for (bool zip64 : {false, true}) {
        const Walk w = walk(archive({Spec("s1", data).stored().streamed().withZip64(zip64),
                                     Spec("s2", "x").stored().streamed().withZip64(zip64),
                                     Spec("s3").stored().streamed()}));
        ASSERT_EQ(w.entries.size(), 3u) << zip64;
        EXPECT_EQ(w.entries[0].data, data);
        EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Complete) << zip64;
        EXPECT_EQ(w.entries[1].data, "x");
        EXPECT_EQ(w.entries[1].end, ZipEntryEnd::Complete) << zip64;
        EXPECT_EQ(w.entries[2].data, "");
        EXPECT_EQ(w.entries[2].end, ZipEntryEnd::Complete) << zip64;
        EXPECT_TRUE(w.stopped);
    }
}

TEST(ZipWalker, StoredWithDataDescriptorIsScannedUpToTheBound) {
    const std::string data(100, 'd');
    // Exactly at the bound: the descriptor right after byte 100 is still found.
    const Walk at =
        walk(archive({Spec("file.txt", data).stored().streamed(), Spec("next", "n").stored()}),
             limitsWith(100));
    ASSERT_EQ(at.entries.size(), 2u);
    EXPECT_EQ(at.entries[0].end, ZipEntryEnd::Complete);
    // One byte more: the entry ends Bomb and, the end being unknown, the walk stops.
    const Walk over = walk(
        archive({Spec("file.txt", data + "e").stored().streamed(), Spec("next", "n").stored()}),
        limitsWith(100));
    ASSERT_EQ(over.entries.size(), 1u);
    EXPECT_EQ(over.entries[0].data, data);
    EXPECT_EQ(over.entries[0].end, ZipEntryEnd::Bomb);
    EXPECT_TRUE(over.stopped);
    EXPECT_EQ(over.counts.bombs, 1u);
}

TEST(ZipWalker, StoredWithDataDescriptorCutShortIsFlushedAtFinish) {
    std::string zip = localEntry(Spec("file.txt", "abcPK\7").stored().streamed());
    zip.resize(zip.size() - 16); // the descriptor never came
    const Walk finished = walk(zip);
    ASSERT_EQ(finished.entries.size(), 1u);
    EXPECT_EQ(finished.entries[0].data, "abcPK\7");
    EXPECT_EQ(finished.entries[0].end, ZipEntryEnd::Truncated);
    const Walk aborted = walk(zip, {}, Ending::Abort); // held-back bytes are dropped
    ASSERT_EQ(aborted.entries.size(), 1u);
    EXPECT_EQ(aborted.entries[0].data, "abc");
    EXPECT_EQ(aborted.entries[0].end, ZipEntryEnd::Truncated);
}

// --- ZIP64 -----------------------------------------------------------------------------------

TEST(ZipWalker, Zip64ExtraGivesTheSizes) {
    const std::string text = sample();
    const std::string ut = le(0x5455, 2) + le(1, 2) + "\x01";
    const Walk w = walk(archive({Spec("big.txt", text).withZip64(),
                                 Spec("big.bin", text).stored().withZip64().withExtra(ut),
                                 Spec("dd64", text).streamed().withZip64()}));
    ASSERT_EQ(w.entries.size(), 3u);
    EXPECT_EQ(w.entries[0].uncompressed, text.size());
    EXPECT_EQ(w.entries[0].compressed, test::compress(text, -15).size());
    EXPECT_EQ(w.entries[1].compressed, text.size());
    for (const Seen& e : w.entries) {
        EXPECT_EQ(e.data, text) << e.name;
        EXPECT_EQ(e.end, ZipEntryEnd::Complete) << e.name;
    }
}

TEST(ZipWalker, Zip64BlockWithOnlyTheMarkedSize) {
    // Some writers put only the sizes the header marks 0xffffffff: here the compressed one.
    const std::string data = "only the compressed size is in the block";
    std::string zip = std::string("PK\3\4", 4) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4) +
                      le(crcOf(data), 4) + le(0xffffffff, 4) + le(data.size(), 4) + le(1, 2) +
                      le(12, 2) + "n" + le(1, 2) + le(8, 2) + le(data.size(), 8) + data;
    const Walk w = walk(zip + centralDirectory());
    ASSERT_EQ(w.entries.size(), 1u);
    EXPECT_EQ(w.entries[0].compressed, data.size());
    EXPECT_EQ(w.entries[0].data, data);
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Complete);
}

// --- entries that are not decoded ------------------------------------------------------------

TEST(ZipWalker, EncryptedEntryIsSkippedAndTheNextDecoded) {
    const std::string ciphertext(40, '\xa5'); // 12-byte ZipCrypto header + data
    const Walk w =
        walk(archive({Spec("secret.txt").stored().withFlags(1).withPayload(ciphertext),
                      Spec("aes.txt").withMethod(99).withFlags(1).withPayload(ciphertext),
                      Spec("open.txt", "readable")}));
    ASSERT_EQ(w.entries.size(), 3u);
    EXPECT_TRUE(w.entries[0].encrypted);
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Encrypted);
    EXPECT_EQ(w.entries[0].data, "");
    EXPECT_TRUE(w.entries[1].encrypted);
    EXPECT_EQ(w.entries[1].end, ZipEntryEnd::Encrypted);
    EXPECT_EQ(w.entries[2].data, "readable");
    EXPECT_EQ(w.entries[2].end, ZipEntryEnd::Complete);
    EXPECT_EQ(w.counts.encrypted, 2u);
}

TEST(ZipWalker, UnsupportedMethodIsSkippedAndTheNextDecoded) {
    const Walk w = walk(archive({Spec("a.bz2").withMethod(12).withPayload("BZh91AY&SY..."),
                                 Spec("b.lzma").withMethod(14).withPayload(std::string(9, 'L')),
                                 Spec("c.txt", "plain").stored()}));
    ASSERT_EQ(w.entries.size(), 3u);
    EXPECT_EQ(w.entries[0].method, 12);
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::UnsupportedMethod);
    EXPECT_EQ(w.entries[1].end, ZipEntryEnd::UnsupportedMethod);
    EXPECT_EQ(w.entries[2].data, "plain");
    EXPECT_EQ(w.entries[2].end, ZipEntryEnd::Complete);
    EXPECT_EQ(w.counts.unsupported_method, 2u);
}

TEST(ZipWalker, SkippedEntryWithSizeAndDataDescriptorIsSkippedByTheSize) {
    for (bool signature : {true, false}) {
        const Walk w = walk(archive(
            {Spec("e").withFlags(1).streamed(signature).withSizesInHeader().withPayload(
                 std::string(20, 'x')),
             Spec("lzma").withMethod(14).streamed(signature).withSizesInHeader().withPayload(
                 std::string(9, 'L')),
             Spec("next", "n").stored()}));
        ASSERT_EQ(w.entries.size(), 3u) << signature;
        EXPECT_EQ(w.entries[0].compressed, 20u);
        EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Encrypted);
        EXPECT_EQ(w.entries[1].end, ZipEntryEnd::UnsupportedMethod);
        EXPECT_EQ(w.entries[2].end, ZipEntryEnd::Complete);
        EXPECT_EQ(w.counts.corrupt, 0u);
    }
}

TEST(ZipWalker, SkippedEntryWithDataDescriptorStopsTheWalk) {
    const Walk w =
        walk(archive({Spec("e").stored().withFlags(1).streamed().withPayload(std::string(20, 'x')),
                      Spec("never", "n").stored()}));
    ASSERT_EQ(w.entries.size(), 1u);
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Encrypted);
    EXPECT_TRUE(w.stopped);
    EXPECT_EQ(w.counts.corrupt, 1u);
}

// --- bounds ----------------------------------------------------------------------------------

TEST(ZipWalker, BombAtMaxEntryBytes) {
    const std::string exact(5000, 'z');
    for (uint16_t method : {0, 8}) {
        const Walk at =
            walk(archive({Spec("file.txt", exact).withMethod(method)}), limitsWith(5000));
        ASSERT_EQ(at.entries.size(), 1u);
        EXPECT_EQ(at.entries[0].data, exact);
        EXPECT_EQ(at.entries[0].end, ZipEntryEnd::Complete) << method;
        EXPECT_EQ(at.counts.bombs, 0u);

        const Walk over = walk(archive({Spec("file.txt", exact + "!").withMethod(method),
                                        Spec("next", "n").withMethod(method)}),
                               limitsWith(5000));
        ASSERT_EQ(over.entries.size(), 2u) << method;
        EXPECT_EQ(over.entries[0].data, exact); // cut exactly at the bound
        EXPECT_EQ(over.entries[0].end, ZipEntryEnd::Bomb) << method;
        EXPECT_EQ(over.entries[1].data, "n"); // the rest was skipped by its size
        EXPECT_EQ(over.entries[1].end, ZipEntryEnd::Complete);
        EXPECT_EQ(over.counts.bombs, 1u);
        EXPECT_EQ(over.counts.ratio_exceeded, 0u);
    }
}

TEST(ZipWalker, BombWithDataDescriptorStopsTheWalk) {
    const Walk w =
        walk(archive({Spec("file.txt", std::string(5001, 'z')).streamed(), Spec("next", "n")}),
             limitsWith(5000));
    ASSERT_EQ(w.entries.size(), 1u);
    EXPECT_EQ(w.entries[0].data.size(), 5000u);
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Bomb);
    EXPECT_TRUE(w.stopped);
}

TEST(ZipWalker, CompressionRatioBound) {
    const std::string zeros(4 << 20, '\0');
    const Walk w =
        walk(archive({Spec("bomb", zeros), Spec("next", "n")}), limitsWith(64ull << 20, 100));
    ASSERT_EQ(w.entries.size(), 2u);
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Bomb);
    EXPECT_GE(w.entries[0].data.size(), Inflater::kRatioGrace);
    EXPECT_LT(w.entries[0].data.size(), zeros.size());
    EXPECT_EQ(w.entries[1].end, ZipEntryEnd::Complete);
    EXPECT_EQ(w.counts.bombs, 1u);
    EXPECT_EQ(w.counts.ratio_exceeded, 1u);
}

TEST(ZipWalker, MaxEntriesBound) {
    std::vector<Spec> three;
    for (int i = 0; i < 3; ++i)
        three.push_back(Spec(std::to_string(i), "d").stored());
    ZipLimits limits;
    limits.max_entries = 3;
    const Walk at = walk(archive(three), limits);
    EXPECT_EQ(at.entries.size(), 3u);
    EXPECT_EQ(at.counts.entries_exceeded, 0u);

    three.push_back(Spec("3", "d").stored());
    const Walk over = walk(archive(three), limits);
    EXPECT_EQ(over.entries.size(), 3u);
    EXPECT_TRUE(over.stopped);
    EXPECT_EQ(over.counts.entries, 3u);
    EXPECT_EQ(over.counts.entries_exceeded, 1u);
    EXPECT_EQ(over.counts.corrupt, 0u);
}

// --- damaged input ---------------------------------------------------------------------------

TEST(ZipWalker, TruncatedArchiveEndsTheOpenEntry) {
    const std::string text = sample();
    for (uint16_t method : {0, 8}) {
        const std::string zip = localEntry(Spec("file.txt", text).withMethod(method));
        const std::string_view cut(zip.data(), zip.size() - 50);
        const Walk finished = walk(cut);
        ASSERT_EQ(finished.entries.size(), 1u);
        EXPECT_EQ(finished.entries[0].end, ZipEntryEnd::Truncated) << method;
        EXPECT_FALSE(finished.entries[0].data.empty());
        EXPECT_EQ(text.compare(0, finished.entries[0].data.size(), finished.entries[0].data), 0);
        const Walk aborted = walk(cut, {}, Ending::Abort);
        EXPECT_EQ(aborted.entries[0].end, ZipEntryEnd::Truncated) << method;
    }
    // Cut inside a header: no entry was begun, nothing to end.
    EXPECT_TRUE(walk(localEntry(Spec("file.txt", "x")).substr(0, 20)).entries.empty());
}

TEST(ZipWalker, CorruptDeflateData) {
    std::string bad = test::compress(sample(), -15);
    for (size_t i = 10; i < 30; ++i)
        bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    const Walk sized =
        walk(archive({Spec("file.txt", sample()).withPayload(bad), Spec("next", "n")}));
    ASSERT_EQ(sized.entries.size(), 2u);
    EXPECT_EQ(sized.entries[0].end, ZipEntryEnd::Corrupt);
    EXPECT_EQ(sized.entries[1].end, ZipEntryEnd::Complete); // skipped by the header's size
    EXPECT_EQ(sized.counts.corrupt, 1u);

    const Walk streamed =
        walk(archive({Spec("file.txt", sample()).streamed().withPayload(bad), Spec("next", "n")}));
    ASSERT_EQ(streamed.entries.size(), 1u);
    EXPECT_EQ(streamed.entries[0].end, ZipEntryEnd::Corrupt);
    EXPECT_TRUE(streamed.stopped);
}

TEST(ZipWalker, SizesThatDisagreeWithTheHeaderAreCorrupt) {
    const std::string text = sample(20);
    const std::string deflated = test::compress(text, -15);
    const Walk w = walk(archive({
        Spec("crc", "abc").stored().withCrc(7),
        Spec("usize", text).withHeaderSize(3),
        Spec("early-end", text).withPayload(deflated + "pad"),
        Spec("no-end", text).withPayload(deflated.substr(0, deflated.size() / 2)),
        Spec("ok", "fine").stored(),
    }));
    ASSERT_EQ(w.entries.size(), 5u);
    EXPECT_EQ(w.entries[0].data, "abc");
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(w.entries[i].end, ZipEntryEnd::Corrupt) << w.entries[i].name;
    EXPECT_EQ(w.entries[2].data, text);
    EXPECT_EQ(w.entries[4].end, ZipEntryEnd::Complete);
    EXPECT_EQ(w.counts.corrupt, 4u);
}

TEST(ZipWalker, GarbageAfterAnEntryStopsAsCorrupt) {
    const Walk w = walk(localEntry(Spec("file.txt", "one").stored()) + "GARBAGE" +
                        localEntry(Spec("two", "two").stored()));
    ASSERT_EQ(w.entries.size(), 1u);
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Complete);
    EXPECT_TRUE(w.stopped);
    EXPECT_EQ(w.counts.corrupt, 1u);
    EXPECT_TRUE(walk("not a zip at all").stopped);
}

TEST(ZipWalker, CentralDirectoryStopsTheWalkAndLaterBytesAreIgnored) {
    const std::string zip =
        archive({Spec("file.txt", "in").stored()}) + localEntry(Spec("x", "after"));
    ZipWalker walker{ZipLimits{}};
    Recorder rec;
    walker.feed(test::u8(zip), zip.size(), rec);
    EXPECT_TRUE(walker.stopped());
    walker.feed(test::u8(zip), zip.size(), rec); // ignored
    walker.finish(rec);
    ASSERT_EQ(rec.entries.size(), 1u);
    EXPECT_EQ(rec.entries[0].data, "in");
    EXPECT_EQ(walker.counts().corrupt, 0u);
    for (const char* end : {"PK\5\6", "PK\6\6", "PK\6\x08"}) {
        const Walk w = walk(localEntry(Spec("file.txt", "in").stored()) + std::string(end, 4) +
                            localEntry(Spec("x", "after")));
        EXPECT_EQ(w.entries.size(), 1u);
        EXPECT_TRUE(w.stopped);
        EXPECT_EQ(w.counts.corrupt, 0u);
    }
}

// --- holes -----------------------------------------------------------------------------------

// Feeds zip[0, at), tells a hole of `missing` bytes, feeds zip[at + missing, end).
Walk walkWithHole(std::string_view zip, size_t at, size_t missing) {
    ZipWalker walker{ZipLimits{}};
    Recorder rec;
    walker.feed(test::u8(zip), at, rec);
    walker.gap(missing, rec);
    const size_t after = std::min(zip.size(), at + missing);
    walker.feed(test::u8(zip) + after, zip.size() - after, rec);
    walker.finish(rec);
    return {std::move(rec.entries), walker.counts(), walker.stopped()};
}

TEST(ZipWalker, HoleInsideASizedEntryTruncatesItAndTheNextIsDecoded) {
    const std::string text = sample();
    for (uint16_t method : {0, 8}) {
        const std::string first = localEntry(Spec("holed", text).withMethod(method));
        const std::string zip = first + archive({Spec("next", "n")});
        const size_t data_start = 30 + 5;
        const size_t at = data_start + 20;
        // Holes ending inside the entry, and one ending exactly at its end.
        for (size_t missing : {size_t{1}, size_t{30}, first.size() - at}) {
            const Walk w = walkWithHole(zip, at, missing);
            ASSERT_EQ(w.entries.size(), 2u) << method << " " << missing;
            EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Truncated);
            EXPECT_EQ(w.entries[1].data, "n");
            EXPECT_EQ(w.entries[1].end, ZipEntryEnd::Complete);
            EXPECT_EQ(w.counts.gaps, 1u);
        }
        // A hole reaching past the entry: nothing tells where the walk could go on.
        const Walk past = walkWithHole(zip, at, first.size() - at + 1);
        EXPECT_EQ(past.entries.size(), 1u);
        EXPECT_TRUE(past.stopped);
    }
}

TEST(ZipWalker, HoleInSkippedBytesKeepsTheWalk) {
    const std::string zip = archive(
        {Spec("e").stored().withFlags(1).withPayload(std::string(100, 'c')), Spec("next", "n")});
    const Walk w = walkWithHole(zip, 30 + 1 + 10, 50);
    ASSERT_EQ(w.entries.size(), 2u);
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Encrypted);
    EXPECT_EQ(w.entries[1].end, ZipEntryEnd::Complete);
}

TEST(ZipWalker, HoleWhereTheEndIsUnknownStopsTheWalk) {
    const std::string text = sample();
    // In a header.
    const Walk header = walkWithHole(archive({Spec("a", "x")}), 10, 5);
    EXPECT_TRUE(header.entries.empty());
    EXPECT_TRUE(header.stopped);
    // In deflate data that only the stream's end and a descriptor frame.
    const Walk streamed =
        walkWithHole(archive({Spec("file.txt", text).streamed(), Spec("n", "n")}), 50, 5);
    ASSERT_EQ(streamed.entries.size(), 1u);
    EXPECT_EQ(streamed.entries[0].end, ZipEntryEnd::Truncated);
    EXPECT_TRUE(streamed.stopped);
    EXPECT_EQ(streamed.counts.gaps, 1u);
}

// --- split invariance ------------------------------------------------------------------------

TEST(ZipWalker, AnySplitGivesTheSameEvents) {
    const std::string text = sample(12);
    const std::string zip = archive({
        Spec("stored.txt", text.substr(0, 120)).stored(),
        Spec("deflated.txt", text),
        Spec("dir/").stored(),
        Spec("dd.txt", text.substr(0, 300)).streamed(),
        Spec("dd-nosig", "abc").streamed(false),
        Spec("scan", "PK\7\x08"
                     "PPK" +
                         text.substr(0, 40))
            .stored()
            .streamed(),
        Spec("z64", "sixty-four").withZip64(),
        Spec("enc").stored().withFlags(1).withPayload("0123456789ab"),
        Spec("enc-dd").withFlags(1).streamed().withSizesInHeader().withPayload("0123456789abc"),
        Spec("bz").withMethod(12).withPayload("BZh9"),
        Spec("bomb", std::string(1200, 'b')),
        Spec("last", "last").stored(),
    });
    ASSERT_LT(zip.size(), 3000u); // every split is walked: keep it small
    const std::string whole = test::expectSplitInvariant(
        zip, [](const auto& pieces) { return describe(walk(pieces, limitsWith(1000))); });
    EXPECT_NE(whole.find("1200 [" + std::string(1000, 'b') + "] bomb\n"), std::string::npos)
        << whole;
    EXPECT_EQ(whole.find("corrupt"), std::string::npos) << whole;
    EXPECT_NE(whole.find("last m0 4/4 [last] complete"), std::string::npos) << whole;
}

TEST(ZipWalker, AnySplitOfACutArchiveGivesTheSameEvents) {
    const std::string zip = localEntry(Spec("a", sample(3))) +
                            localEntry(Spec("b", "PK\7" + sample(2)).stored().streamed());
    const std::string_view cut(zip.data(), zip.size() - 7); // inside b's descriptor
    for (Ending ending : {Ending::Finish, Ending::Abort})
        test::expectSplitInvariant(
            cut, [ending](const auto& pieces) { return describe(walk(pieces, {}, ending)); });
}

// --- archives Python's zipfile wrote (tests/gen/zip_files.py) --------------------------------

std::string fromHex(std::string_view hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return out;
}

// zip_files.TEXT
std::string generatorText() {
    std::string text;
    for (int i = 0; i < 8; ++i)
        text += "Project Aurora - TOP SECRET - do not distribute\r\n"
                "card 4111 1111 1111 1111, key AKIAIOSFODNN7EXAMPLE\r\n";
    return text;
}

TEST(ZipWalker, ZipfileStreamedArchive) {
    // zip_files.streamed(): written to an unseekable stream, so flag bit 3 and a descriptor
    // (with signature) after every entry; raw.txt is stored and its data ends with "PK\7\8".
    const std::string zip = fromHex(
        "504b0304140008000000c04bb1580000000000000000000000000700000073747265616d2f504b0708000000"
        "000000000000000000504b0304140008000800c04bb158000000000000000000000000110000007374726561"
        "6d2f7061636b65642e7478740b28cacf4a4d2e51702c2dca2f4a54d05508f10f500876750e720d017252f215"
        "f2f24b1452328b4b8a32934a4b5279b992138b52144c0c0d0d150c51081d85ecd44a05476f4f474fff60377f"
        "173f3f73d70847df001f575eae80514b462d19da960000504b0708c0c145466300000028030000504b030414"
        "0008000000c04bb1580000000000000000000000000e00000073747265616d2f7261772e74787450726f6a65"
        "6374204175726f7261202d20544f5020534543524554202d20646f206e6f7420646973747269627574650d0a"
        "6361726420343131312031313131203131313120313131312c206b657920414b4941494f53464f444e4e3745"
        "58414d504c450d0a50726f6a656374204175726f7261202d20544f5020534543524554202d20646f206e6f74"
        "20646973747269627574650d0a6361726420343131312031313131203131313120313131312c206b65792041"
        "4b4941494f53464f444e4e374558414d504c45504b0708504b0708b4d8dbb1cc000000cc000000504b010214"
        "03140008000000c04bb158000000000000000000000000070000000000000000001000ed4100000000737472"
        "65616d2f504b01021403140008000800c04bb158c0c145466300000028030000110000000000000000000000"
        "a4013500000073747265616d2f7061636b65642e747874504b01021403140008000000c04bb158b4d8dbb1cc"
        "000000cc0000000e0000000000000000000000a401d700000073747265616d2f7261772e747874504b050600"
        "00000003000300b0000000df0100000000");
    const std::string text = generatorText();
    const std::string out =
        test::expectSplitInvariant(zip, [](const auto& pieces) { return describe(walk(pieces)); });
    const Walk w = walk(zip);
    ASSERT_EQ(w.entries.size(), 3u) << out;
    EXPECT_TRUE(w.entries[0].directory);
    EXPECT_EQ(w.entries[1].name, "stream/packed.txt");
    EXPECT_EQ(w.entries[1].data, text);
    EXPECT_EQ(w.entries[2].name, "stream/raw.txt");
    EXPECT_EQ(w.entries[2].data, text.substr(0, 200) + std::string("PK\7\x08", 4));
    for (const Seen& e : w.entries) {
        EXPECT_TRUE(e.descriptor);
        EXPECT_EQ(e.end, ZipEntryEnd::Complete) << e.name;
    }
    EXPECT_TRUE(w.stopped);
    EXPECT_EQ(w.counts.corrupt, 0u);
}

TEST(ZipWalker, ZipfileArchiveWithAZipCryptoEntry) {
    // zip_files.encrypted(): before.txt stored, secret.txt deflated and ZipCrypto-encrypted,
    // after.txt deflated.
    const std::string zip = fromHex(
        "504b0304140000000000c04bb1580848839a1a0000001a0000000a0000006265666f72652e74787474686973"
        "206f6e65206973206e6f7420656e637279707465640a504b0304140001000800c04bb1582259771b6e000000"
        "200300000a0000007365637265742e747874f450ca998286715aaa88f3760646549d9349636de0b62070c465"
        "6c127d419532e3b0d75fb01118b8cb26d5f9194628ddf0c595daa2370b60c1a4fa6a164d9eafd42e7d04ef62"
        "a2a4e0a2c91c3056247d07911151815445c740c095232a8f89a9fe553c6b4bee884d1f87b6c360d7504b0304"
        "140000000800c04bb1580848839a1a0000001a0000000900000061667465722e7478742bc9c82c56c8cf4b55"
        "005279f9250aa979c945950525a9295c00504b01021400140000000000c04bb1580848839a1a0000001a0000"
        "000a0000000000000000000000a401000000006265666f72652e747874504b01021400140001000800c04bb1"
        "582259771b6e000000200300000a0000000000000000000000a401420000007365637265742e747874504b01"
        "021400140000000800c04bb1580848839a1a0000001a000000090000000000000000000000a401d800000061"
        "667465722e747874504b05060000000003000300a7000000190100000000");
    const Walk w = walk(zip);
    ASSERT_EQ(w.entries.size(), 3u);
    EXPECT_EQ(w.entries[0].data, "this one is not encrypted\n");
    EXPECT_EQ(w.entries[0].end, ZipEntryEnd::Complete);
    EXPECT_EQ(w.entries[1].name, "secret.txt");
    EXPECT_TRUE(w.entries[1].encrypted);
    EXPECT_EQ(w.entries[1].data, "");
    EXPECT_EQ(w.entries[1].end, ZipEntryEnd::Encrypted);
    EXPECT_EQ(w.entries[2].data, "this one is not encrypted\n");
    EXPECT_EQ(w.entries[2].end, ZipEntryEnd::Complete);
    EXPECT_EQ(w.counts.encrypted, 1u);
}

} // namespace
} // namespace egressmon::dpi
