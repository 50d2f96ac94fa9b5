// TarWalker (dpi/transform/tar/): header blocks of each format, names (ustar prefix, GNU long
// names, pax paths), sizes (octal, base-256), checksums, entries without data, bounds at their
// limit, holes in data and in headers, archives written by Python's tarfile, and the same events
// for any split of the input.

#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/transform/tar/tar_walker.h"
#include "http_test_support.h"
#include "tar_builder.h"

namespace egressmon::dpi {
namespace {

namespace tb = ::egressmon::test;

using tb::TarFormat;
using tb::TarHeader;

// Archives written by Python 3's tarfile (tests/unit: generated once with
//   tarfile.open(fileobj=out, mode="w", format=FORMAT); TarInfo(name), mtime 1715938200, uname
//   and gname "", cut after the two end blocks), pasted here as bytes.
const std::string kLongPath = "q3/very-long-folder-name/very-long-folder-name/very-long-folder-"
                              "name/very-long-folder-name/very-long-folder-name/plan.txt";
// tarfile PAX_FORMAT: q3/ (dir), then 121 byte path (pax 'x' header)
const std::string kPythonPaxTar =
    std::string("q3/", 3) + std::string(97, '\0') +
    std::string("0000644\0000000000\0000000000\00000000000000\00014621621630\000", 48) +
    std::string("006325\000 5", 9) + std::string(100, '\0') + std::string("ustar\00000", 8) +
    std::string(247, '\0') + std::string("././@PaxHeader", 14) + std::string(86, '\0') +
    std::string("0000000\0000000000\0000000000\00000000000203\00000000000000\000", 48) +
    std::string("010210\000 x", 9) + std::string(100, '\0') + std::string("ustar\00000", 8) +
    std::string(247, '\0') + std::string("131 path=q3/very-long-folder-name/very-long-fold", 48) +
    std::string("er-name/very-long-folder-name/very-long-folder-n", 48) +
    std::string("ame/very-long-folder-name/plan.txt\012", 35) + std::string(381, '\0') +
    std::string("q3/very-long-folder-name/very-long-folder-name/v", 48) +
    std::string("ery-long-folder-name/very-long-folder-name/very-", 48) +
    std::string("long0000644\0000000000\0000000000\00000000000031\00014621621", 48) +
    std::string("630\000030633\000 0", 13) + std::string(100, '\0') +
    std::string("ustar\00000", 8) + std::string(247, '\0') +
    std::string("TOP SECRET in a pax path\012", 25) + std::string(1511, '\0');

// tarfile GNU_FORMAT: the same path ('L' long name), then short.txt
const std::string kPythonGnuTar =
    std::string("././@LongLink", 13) + std::string(87, '\0') +
    std::string("0000000\0000000000\0000000000\00000000000172\00000000000000\000", 48) +
    std::string("007755\000 L", 9) + std::string(100, '\0') + std::string("ustar  ", 7) +
    std::string(248, '\0') + std::string("q3/very-long-folder-name/very-long-folder-name/v", 48) +
    std::string("ery-long-folder-name/very-long-folder-name/very-", 48) +
    std::string("long-folder-name/plan.txt", 25) + std::string(391, '\0') +
    std::string("q3/very-long-folder-name/very-long-folder-name/v", 48) +
    std::string("ery-long-folder-name/very-long-folder-name/very-", 48) +
    std::string("long0000644\0000000000\0000000000\00000000000036\00014621621", 48) +
    std::string("630\000030600\000 0", 13) + std::string(100, '\0') + std::string("ustar  ", 7) +
    std::string(248, '\0') + std::string("TOP SECRET in a GNU long name\012", 30) +
    std::string(482, '\0') + std::string("short.txt", 9) + std::string(91, '\0') +
    std::string("0000644\0000000000\0000000000\00000000000006\00014621621630\000", 48) +
    std::string("007641\000 0", 9) + std::string(100, '\0') + std::string("ustar  ", 7) +
    std::string(248, '\0') + std::string("hello\012", 6) + std::string(1530, '\0');

struct Entry {
    std::string name;
    uint64_t size = 0;
    char type = '0';
    std::string data;
    std::string end; // "complete", "truncated", "too-large"; empty while open
    bool operator==(const Entry&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Entry& e) {
    return os << "{" << e.name << " " << e.size << " '" << e.type << "' [" << e.data << "] "
              << e.end << "}";
}

class Recorder final : public TarEntryHandler {
  public:
    void entryBegin(const TarEntryInfo& info) noexcept override {
        EXPECT_TRUE(entries.empty() || !entries.back().end.empty()) << "begin inside an entry";
        entries.push_back({std::string(info.name), info.size, info.typeflag, {}, {}});
    }
    void entryData(const uint8_t* data, size_t len) noexcept override {
        EXPECT_GT(len, 0u);
        EXPECT_FALSE(entries.empty() || !entries.back().end.empty()) << "data outside an entry";
        if (!entries.empty()) entries.back().data.append(reinterpret_cast<const char*>(data), len);
    }
    void entryEnd(TarEntryEnd how) noexcept override {
        EXPECT_FALSE(entries.empty() || !entries.back().end.empty()) << "end outside an entry";
        if (entries.empty()) return;
        entries.back().end = how == TarEntryEnd::Complete   ? "complete"
                             : how == TarEntryEnd::TooLarge ? "too-large"
                                                            : "truncated";
    }
    std::vector<Entry> entries;
};

struct Walk {
    std::vector<Entry> entries;
    TarWalker::Counts counts;
    bool complete = false;
};

bool operator==(const TarWalker::Counts& a, const TarWalker::Counts& b) {
    return a.entries == b.entries && a.corrupt == b.corrupt &&
           a.entries_exceeded == b.entries_exceeded && a.entries_cut == b.entries_cut &&
           a.names_truncated == b.names_truncated && a.gaps == b.gaps;
}

Walk walkPieces(const std::vector<std::string_view>& pieces, const TarLimits& limits = {}) {
    Recorder r;
    TarWalker w(limits);
    for (std::string_view p : pieces)
        w.feed(test::u8(p), p.size(), r);
    w.finish(r);
    return {r.entries, w.counts(), w.complete()};
}

Walk walk(std::string_view tar, const TarLimits& limits = {}) {
    return walkPieces({tar}, limits);
}

// Every split of the input in two, and byte by byte, give the same events as one piece.
void expectSplitInvariant(std::string_view tar, const TarLimits& limits = {}) {
    const Walk whole = walk(tar, limits);
    for (size_t i = 0; i <= tar.size(); ++i) {
        const Walk split = walkPieces({tar.substr(0, i), tar.substr(i)}, limits);
        ASSERT_EQ(split.entries, whole.entries) << "split at " << i;
        ASSERT_TRUE(split.counts == whole.counts) << "split at " << i;
        ASSERT_EQ(split.complete, whole.complete) << "split at " << i;
    }
    std::vector<std::string_view> bytes;
    for (size_t i = 0; i < tar.size(); ++i)
        bytes.push_back(tar.substr(i, 1));
    const Walk single = walkPieces(bytes, limits);
    EXPECT_EQ(single.entries, whole.entries);
    EXPECT_TRUE(single.counts == whole.counts);
}

Entry complete(std::string name, std::string data, char type = '0') {
    const uint64_t size = data.size();
    return {std::move(name), size, type, std::move(data), "complete"};
}

TarHeader header(std::string name, char type = '0', TarFormat format = TarFormat::Posix) {
    TarHeader h;
    h.name = std::move(name);
    h.type = type;
    h.format = format;
    return h;
}

// --- formats and names -----------------------------------------------------------------------

TEST(TarWalker, UstarFilesAndDirectories) {
    const std::string tar = tb::tarHeader(header("q3/", '5')) +
                            tb::tarFile("q3/readme.txt", "plans for q3\n") +
                            tb::tarFile("q3/empty.txt", "") + tb::tarEnd();
    const Walk w = walk(tar);
    EXPECT_EQ(w.entries, (std::vector<Entry>{complete("q3/readme.txt", "plans for q3\n"),
                                             complete("q3/empty.txt", "")}));
    EXPECT_EQ(w.counts.entries, 3u);
    EXPECT_TRUE(w.complete);
    EXPECT_EQ(w.counts.corrupt, 0u);
}

TEST(TarWalker, UstarPrefixIsJoinedToTheName) {
    TarHeader h = header("plan.txt");
    h.prefix = "deep/folder";
    const Walk w = walk(tb::tarEntry(h, "x") + tb::tarEnd());
    EXPECT_EQ(w.entries, std::vector<Entry>{complete("deep/folder/plan.txt", "x")});
}

TEST(TarWalker, GnuAndV7HeadersAndContiguousFiles) {
    const std::string tar = tb::tarFile("gnu.txt", "one", TarFormat::Gnu) +
                            tb::tarFile("v7.txt", "two", TarFormat::V7) +
                            tb::tarEntry(header("contig.bin", '7'), "three") +
                            tb::tarEntry(header("old.txt", '\0', TarFormat::V7), "four") +
                            tb::tarEnd();
    EXPECT_EQ(walk(tar).entries,
              (std::vector<Entry>{complete("gnu.txt", "one"), complete("v7.txt", "two"),
                                  complete("contig.bin", "three", '7'),
                                  complete("old.txt", "four", '\0')}));
}

TEST(TarWalker, SignedChecksumIsAccepted) {
    TarHeader h = header("\xe6\x9c\xba\xe5\xaf\x86.txt"); // 机密.txt: bytes over 0x7f
    h.signed_checksum = true;
    EXPECT_EQ(walk(tb::tarEntry(h, "data")).entries,
              std::vector<Entry>{complete("\xe6\x9c\xba\xe5\xaf\x86.txt", "data")});
}

TEST(TarWalker, GnuLongNameNamesTheNextEntryOnly) {
    const std::string tar = tb::gnuLongName(kLongPath) +
                            tb::tarFile(kLongPath.substr(0, 100), "secret", TarFormat::Gnu) +
                            tb::tarFile("next.txt", "n", TarFormat::Gnu) + tb::tarEnd();
    const Walk w = walk(tar);
    EXPECT_EQ(w.entries,
              (std::vector<Entry>{complete(kLongPath, "secret"), complete("next.txt", "n")}));
    EXPECT_EQ(w.counts.entries, 2u); // the 'L' entry is not one
}

TEST(TarWalker, PaxPathNamesTheNextEntryAndGlobalHeadersAreSkipped) {
    const std::string records = tb::paxRecord("mtime", "1715938200.5") +
                                tb::paxRecord("path", kLongPath) +
                                tb::paxRecord("comment", "path=not/this");
    const std::string tar = tb::paxHeader(tb::paxRecord("path", "global/ignored"), 'g') +
                            tb::paxHeader(records) + tb::tarFile("short", "secret") +
                            tb::tarFile("after.txt", "a") + tb::tarEnd();
    EXPECT_EQ(walk(tar).entries,
              (std::vector<Entry>{complete(kLongPath, "secret"), complete("after.txt", "a")}));
}

TEST(TarWalker, PaxPathWinsOverGnuLongName) {
    const std::string tar = tb::gnuLongName("long/name.txt") +
                            tb::paxHeader(tb::paxRecord("path", "pax/path.txt")) +
                            tb::tarFile("header.txt", "x") + tb::tarEnd();
    EXPECT_EQ(walk(tar).entries, std::vector<Entry>{complete("pax/path.txt", "x")});
}

TEST(TarWalker, PaxSizeOverridesTheHeaders) {
    // As writers do for files over 8 GiB: the header's size field says 0, the pax record the
    // real size.
    const std::string data(600, 'p');
    tb::TarHeader h = header("big.bin");
    const std::string tar = tb::paxHeader(tb::paxRecord("size", "600")) + tb::tarHeader(h) +
                            tb::tarPadded(data) + tb::tarFile("next", "n") + tb::tarEnd();
    EXPECT_EQ(walk(tar).entries,
              (std::vector<Entry>{complete("big.bin", data), complete("next", "n")}));
    expectSplitInvariant(tar);
}

TEST(TarWalker, MalformedPaxRecordsAreIgnored) {
    const std::string tar = tb::paxHeader("zz path=bad\n" + tb::paxRecord("path", "p")) +
                            tb::tarFile("header.txt", "x") + tb::tarEnd();
    EXPECT_EQ(walk(tar).entries, std::vector<Entry>{complete("header.txt", "x")});
}

TEST(TarWalker, Base256Size) {
    const std::string data(600, 'b');
    TarHeader h = header("big.bin");
    h.base256_size = true;
    const Walk w = walk(tb::tarEntry(h, data) + tb::tarFile("next", "n") + tb::tarEnd());
    EXPECT_EQ(w.entries, (std::vector<Entry>{complete("big.bin", data), complete("next", "n")}));
}

TEST(TarWalker, LinksDevicesAndFifosGiveNoData) {
    std::string tar;
    for (char type : {'1', '2', '3', '4', '5', '6'})
        tar += tb::tarHeader(header(std::string("node") + type, type));
    tar += tb::tarFile("file.txt", "f") + tb::tarEnd();
    const Walk w = walk(tar);
    EXPECT_EQ(w.entries, std::vector<Entry>{complete("file.txt", "f")});
    EXPECT_EQ(w.counts.entries, 7u);
}

TEST(TarWalker, OtherTypesAreSkippedByTheirSize) {
    const std::string tar =
        tb::tarEntry(header("sparse", 'S', TarFormat::Gnu), std::string(700, 's')) +
        tb::tarFile("file.txt", "f") + tb::tarEnd();
    EXPECT_EQ(walk(tar).entries, std::vector<Entry>{complete("file.txt", "f")});
}

TEST(TarWalker, PythonTarfilePax) {
    const Walk w = walk(kPythonPaxTar);
    EXPECT_EQ(w.entries, std::vector<Entry>{complete(kLongPath, "TOP SECRET in a pax path\n")});
    EXPECT_EQ(w.counts.entries, 2u); // the directory and the file
    EXPECT_TRUE(w.complete);
    expectSplitInvariant(kPythonPaxTar);
}

TEST(TarWalker, PythonTarfileGnu) {
    const Walk w = walk(kPythonGnuTar);
    EXPECT_EQ(w.entries, (std::vector<Entry>{complete(kLongPath, "TOP SECRET in a GNU long name\n"),
                                             complete("short.txt", "hello\n")}));
    EXPECT_TRUE(w.complete);
    expectSplitInvariant(kPythonGnuTar);
}

// --- the end, and corrupt headers ------------------------------------------------------------

TEST(TarWalker, EndsAtTwoZeroBlocksAndReadsPastALoneOne) {
    const std::string tar = tb::tarFile("a", "1") + std::string(512, '\0') + tb::tarFile("b", "2") +
                            tb::tarEnd() + tb::tarFile("c", "3");
    const Walk w = walk(tar);
    EXPECT_EQ(w.entries, (std::vector<Entry>{complete("a", "1"), complete("b", "2")}));
    EXPECT_TRUE(w.complete);
}

TEST(TarWalker, InputEndWithoutEndBlocksIsFine) {
    const Walk w = walk(tb::tarFile("a", "1"));
    EXPECT_EQ(w.entries, std::vector<Entry>{complete("a", "1")});
    EXPECT_FALSE(w.complete);
    EXPECT_EQ(w.counts.corrupt, 0u);
}

TEST(TarWalker, BadChecksumStopsTheWalk) {
    TarHeader bad = header("b");
    bad.checksum_delta = 1;
    const Walk w =
        walk(tb::tarFile("a", "1") + tb::tarEntry(bad, "2") + tb::tarFile("c", "3") + tb::tarEnd());
    EXPECT_EQ(w.entries, std::vector<Entry>{complete("a", "1")});
    EXPECT_EQ(w.counts.corrupt, 1u);
}

TEST(TarWalker, BadSizeFieldStopsTheWalk) {
    std::string tar = tb::tarFile("a", "1");
    std::string h = tb::tarHeader(header("b"));
    h[124] = '9'; // not octal; the checksum is recomputed below
    h.replace(148, 8, "        ");
    unsigned sum = 0;
    for (char c : h)
        sum += static_cast<uint8_t>(c);
    h.replace(148, 8, tb::octal(sum, 7) + ' ');
    const Walk w = walk(tar + h + tb::tarEnd());
    EXPECT_EQ(w.entries, std::vector<Entry>{complete("a", "1")});
    EXPECT_EQ(w.counts.corrupt, 1u);
}

TEST(TarWalker, IsTarHeader) {
    const auto is = [](const std::string& block) {
        return isTarHeader(std::span<const uint8_t, kTarBlockBytes>(test::u8(block), 512));
    };
    EXPECT_TRUE(is(tb::tarHeader(header("a", '0', TarFormat::Posix))));
    EXPECT_TRUE(is(tb::tarHeader(header("a", '0', TarFormat::Gnu))));
    EXPECT_TRUE(is(tb::tarHeader(header("a", '0', TarFormat::V7))));
    EXPECT_FALSE(is(std::string(512, '\0')));
    EXPECT_FALSE(is(std::string(512, 'a')));
    TarHeader bad = header("a");
    bad.checksum_delta = -1;
    EXPECT_FALSE(is(tb::tarHeader(bad)));
    // v7 has only its checksum as a mark: an unknown type is not taken for one.
    EXPECT_FALSE(is(tb::tarHeader(header("a", 'Q', TarFormat::V7))));
}

// --- bounds ----------------------------------------------------------------------------------

TEST(TarWalker, MaxEntriesAtItsLimit) {
    TarLimits limits;
    limits.max_entries = 2;
    const std::string two = tb::tarFile("a", "1") + tb::tarHeader(header("d/", '5'));
    Walk w = walk(two + tb::tarEnd(), limits);
    EXPECT_EQ(w.counts.entries_exceeded, 0u);
    EXPECT_TRUE(w.complete);
    w = walk(two + tb::tarFile("c", "3") + tb::tarEnd(), limits);
    EXPECT_EQ(w.entries, std::vector<Entry>{complete("a", "1")});
    EXPECT_EQ(w.counts.entries_exceeded, 1u);
    EXPECT_FALSE(w.complete);
}

TEST(TarWalker, MaxEntryBytesAtItsLimit) {
    TarLimits limits;
    limits.max_entry_bytes = 10;
    Walk w = walk(tb::tarFile("a", "0123456789") + tb::tarEnd(), limits);
    EXPECT_EQ(w.entries, std::vector<Entry>{complete("a", "0123456789")});
    EXPECT_EQ(w.counts.entries_cut, 0u);
    const std::string tar =
        tb::tarFile("a", "0123456789X") + tb::tarFile("b", "next") + tb::tarEnd();
    w = walk(tar, limits);
    EXPECT_EQ(w.entries, (std::vector<Entry>{{"a", 11, '0', "0123456789", "too-large"},
                                             complete("b", "next")}));
    EXPECT_EQ(w.counts.entries_cut, 1u);
    expectSplitInvariant(tar, limits);
}

TEST(TarWalker, NamesAtTheirLimit) {
    TarLimits limits;
    limits.max_name_bytes = 16;
    const std::string sixteen = "0123456789abcdef";
    Walk w = walk(tb::gnuLongName(sixteen) + tb::tarFile("h", "x") +
                      tb::paxHeader(tb::paxRecord("path", sixteen)) + tb::tarFile("h", "y"),
                  limits);
    EXPECT_EQ(w.entries, (std::vector<Entry>{complete(sixteen, "x"), complete(sixteen, "y")}));
    EXPECT_EQ(w.counts.names_truncated, 0u);
    const std::string tar = tb::gnuLongName(sixteen + "g") + tb::tarFile("h", "x") +
                            tb::paxHeader(tb::paxRecord("path", sixteen + "p")) +
                            tb::tarFile("h", "y") + tb::tarFile(sixteen + "h", "z");
    w = walk(tar, limits);
    EXPECT_EQ(w.entries, (std::vector<Entry>{complete(sixteen, "x"), complete(sixteen, "y"),
                                             complete(sixteen, "z")}));
    EXPECT_EQ(w.counts.names_truncated, 3u);
    expectSplitInvariant(tar, limits);
}

TEST(TarWalker, HugeLongNameIsReadWithoutHoldingIt) {
    TarLimits limits;
    limits.max_name_bytes = 8;
    const std::string tar =
        tb::gnuLongName(std::string(100000, 'n')) + tb::tarFile("h", "x") + tb::tarEnd();
    const Walk w = walk(tar, limits);
    EXPECT_EQ(w.entries, std::vector<Entry>{complete("nnnnnnnn", "x")});
    EXPECT_EQ(w.counts.names_truncated, 1u);
}

// --- holes -----------------------------------------------------------------------------------

TEST(TarWalker, HoleInDataEndsTheEntryAndTheWalkGoesOn) {
    const std::string a = tb::tarFile("a", std::string(1000, 'a'));
    const std::string rest = tb::tarFile("b", "b") + tb::tarEnd();
    Recorder r;
    TarWalker w{TarLimits{}};
    w.feed(test::u8(a), 600, r);
    w.gap(300, r); // bytes 600..899 of the first entry's 1536
    w.feed(test::u8(a) + 900, a.size() - 900, r);
    w.feed(test::u8(rest), rest.size(), r);
    w.finish(r);
    EXPECT_EQ(r.entries, (std::vector<Entry>{{"a", 1000, '0', std::string(88, 'a'), "truncated"},
                                             complete("b", "b")}));
    EXPECT_EQ(w.counts().gaps, 1u);
    EXPECT_TRUE(w.complete());
}

TEST(TarWalker, HoleCoveringTheRestOfAnEntryExactlyGoesOn) {
    const std::string a = tb::tarFile("a", std::string(1000, 'a')); // 1536 bytes
    const std::string rest = tb::tarFile("b", "b");
    Recorder r;
    TarWalker w{TarLimits{}};
    w.feed(test::u8(a), 512, r);
    w.gap(1024, r);
    w.feed(test::u8(rest), rest.size(), r);
    w.finish(r);
    EXPECT_EQ(r.entries,
              (std::vector<Entry>{{"a", 1000, '0', "", "truncated"}, complete("b", "b")}));
}

TEST(TarWalker, HolePastTheNextHeaderStops) {
    const std::string a = tb::tarFile("a", "1");
    Recorder r;
    TarWalker w{TarLimits{}};
    w.feed(test::u8(a), 513, r); // the header and the data byte
    EXPECT_EQ(r.entries.size(), 1u);
    w.gap(600, r); // the padding and most of the next header
    EXPECT_TRUE(w.stopped());
    EXPECT_EQ(w.counts().gaps, 1u);
}

TEST(TarWalker, HoleInAHeaderStops) {
    const std::string tar = tb::tarFile("a", "1") + tb::tarFile("b", "2");
    Recorder r;
    TarWalker w{TarLimits{}};
    w.feed(test::u8(tar), 1024 + 100, r);
    w.gap(50, r);
    EXPECT_TRUE(w.stopped());
    w.feed(test::u8(tar) + 1174, tar.size() - 1174, r);
    EXPECT_EQ(r.entries, std::vector<Entry>{complete("a", "1")});
}

TEST(TarWalker, HoleInALongNameLosesOnlyThatName) {
    const std::string l = tb::gnuLongName(kLongPath);
    const std::string rest = tb::tarFile("header.txt", "x");
    Recorder r;
    TarWalker w{TarLimits{}};
    w.feed(test::u8(l), 600, r);
    w.gap(100, r);
    w.feed(test::u8(l) + 700, l.size() - 700, r);
    w.feed(test::u8(rest), rest.size(), r);
    w.finish(r);
    EXPECT_EQ(r.entries, std::vector<Entry>{complete("header.txt", "x")});
}

TEST(TarWalker, FinishInsideDataTruncates) {
    const std::string a = tb::tarFile("a", "0123456789");
    const Walk w = walk(std::string_view(a).substr(0, 517));
    EXPECT_EQ(w.entries, (std::vector<Entry>{{"a", 10, '0', "01234", "truncated"}}));
}

// --- split invariance ------------------------------------------------------------------------

TEST(TarWalker, AnySplitGivesTheSameEntries) {
    TarHeader big = header("big.bin");
    big.base256_size = true;
    const std::string tar = tb::tarHeader(header("d/", '5')) + tb::gnuLongName(kLongPath) +
                            tb::tarFile("x", "long-named", TarFormat::Gnu) +
                            tb::paxHeader(tb::paxRecord("path", "pax/named.txt")) +
                            tb::tarFile("y", "pax") + tb::tarEntry(big, std::string(513, 'B')) +
                            tb::tarFile("z", std::string(511, 'z')) + tb::tarEnd();
    const Walk w = walk(tar);
    EXPECT_EQ(w.entries.size(), 4u);
    EXPECT_TRUE(w.complete);
    expectSplitInvariant(tar);
}

} // namespace
} // namespace egressmon::dpi
