// Ole2LegacyProbe: an encrypted .doc (FIB fEncrypted), .xls (FILEPASS after BOF) and .ppt
// (EncryptedSummary stream) in a Compound File, whether the directory comes before or after the
// stream's first sector, however the file is cut; the clean ones; mini-stream streams; holes;
// the marks bound.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/transform/sealed/ole2_legacy_probe.h"
#include "dpi/transform/sealed/sealed_probe.h"

using namespace egressmon::dpi;

namespace {

std::string le(uint64_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<char>(v >> (8 * i)));
    return out;
}

// A version 3 header (512-byte sectors); the FAT is not read by the probe, so it is left empty.
std::string header(int major = 3) {
    std::string h("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
    h += std::string(16, '\0') + le(0x3E, 2) + le(major, 2) + le(0xFFFE, 2) +
         le(major == 3 ? 9 : 12, 2) + le(6, 2) + std::string(6, '\0');
    h += le(0, 4) + le(1, 4) + le(0, 4) + le(0, 4) + le(4096, 4) + le(0xFFFFFFFE, 4) + le(0, 4) +
         le(0xFFFFFFFE, 4) + le(0, 4);
    h.resize(512, '\xff');
    return h;
}

std::string entry(const std::string& name, int type, uint32_t start, uint64_t size) {
    std::string e;
    for (char c : name)
        e += std::string{c, '\0'};
    e.resize(64, '\0');
    e += le((name.size() + 1) * 2, 2) + std::string{static_cast<char>(type), 1};
    e += le(0xFFFFFFFF, 4) + le(0xFFFFFFFF, 4) + le(0xFFFFFFFF, 4) + std::string(16, '\0') +
         le(0, 4) + le(0, 8) + le(0, 8) + le(start, 4) + le(size, 8);
    return e;
}

std::string directory(const std::string& name, uint32_t start, uint64_t size = 4096) {
    std::string d = entry("Root Entry", 5, 0xFFFFFFFE, 0) + entry(name, 2, start, size);
    d.resize(512, '\0');
    return d;
}

std::string fib(bool encrypted) {
    std::string s = le(0xA5EC, 2) + le(0xC1, 2) + le(0, 2) + le(0x0409, 2) + le(0, 2) +
                    le(encrypted ? 0x0100 | 0x0200 : 0x0200, 2);
    s.resize(512, '\x11');
    return s;
}

std::string workbook(bool encrypted) {
    std::string s =
        le(0x0809, 2) + le(16, 2) + le(0x0600, 2) + le(0x0005, 2) + std::string(12, '\0');
    if (encrypted) s += le(0x002F, 2) + le(6, 2) + le(0, 2) + le(0x0101, 4); // RC4, v1.1
    s += le(0x00E1, 2) + le(2, 2) + le(0x04B0, 2);                           // InterfaceHdr
    s += le(0x0085, 2) + le(8, 2) + std::string(8, '\0');                    // BoundSheet8
    s.resize(512, '\0');
    return s;
}

// Header, then sector 0 and sector 1: the directory first (naming the stream at sector 1), or
// the stream first (sector 0) and the directory after.
std::string file(const std::string& name, const std::string& stream, bool directory_first) {
    return directory_first ? header() + directory(name, 1) + stream
                           : header() + stream + directory(name, 0);
}

bool probe(const std::string& f, size_t piece) {
    Ole2LegacyProbe p;
    for (size_t at = 0; at < f.size(); at += piece) {
        const std::string_view s = std::string_view(f).substr(at, piece);
        p.feed(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    }
    return p.encrypted();
}

void expectAtEveryCut(const std::string& f, bool encrypted) {
    for (size_t piece = 1; piece <= f.size(); piece += piece < 64 ? 1 : 37)
        ASSERT_EQ(probe(f, piece), encrypted) << piece;
}

TEST(Ole2LegacyProbe, WordFibEncryptedFlagEitherOrder) {
    for (bool first : {true, false}) {
        expectAtEveryCut(file("WordDocument", fib(true), first), true);
        expectAtEveryCut(file("WordDocument", fib(false), first), false);
    }
}

TEST(Ole2LegacyProbe, ExcelFilePassEitherOrder) {
    for (bool first : {true, false}) {
        expectAtEveryCut(file("Workbook", workbook(true), first), true);
        expectAtEveryCut(file("Workbook", workbook(false), first), false);
        expectAtEveryCut(file("Book", workbook(true), first), true); // BIFF5's name
    }
}

TEST(Ole2LegacyProbe, StreamNamesMustMatchTheirContent) {
    // An encrypted-looking sector that is not the named stream's start says nothing.
    EXPECT_FALSE(probe(file("Workbook", fib(true), true), 512));
    EXPECT_FALSE(probe(file("WordDocument", workbook(true), false), 512));
    EXPECT_FALSE(probe(file("WordDocumenT", fib(true), true), 512));
    EXPECT_FALSE(probe(header() + directory("WordDocument", 2) + fib(true), 512));
}

TEST(Ole2LegacyProbe, PowerPointEncryptedSummary) {
    std::string d = entry("Root Entry", 5, 0xFFFFFFFE, 0) +
                    entry("PowerPoint Document", 2, 1, 8000) + entry("EncryptedSummary", 2, 3, 300);
    d.resize(512, '\0');
    expectAtEveryCut(header() + d, true);
    std::string clean = entry("Root Entry", 5, 0xFFFFFFFE, 0) +
                        entry("PowerPoint Document", 2, 1, 8000) + entry("Current User", 2, 3, 60);
    clean.resize(512, '\0');
    EXPECT_FALSE(probe(header() + clean, 512));
}

TEST(Ole2LegacyProbe, MiniStreamStreamsAreNotChecked) {
    // A WordDocument under the cutoff lives in the mini stream: its start is a mini sector.
    std::string d = entry("Root Entry", 5, 0xFFFFFFFE, 0) + entry("WordDocument", 2, 1, 4095);
    d.resize(512, '\0');
    EXPECT_FALSE(probe(header() + d + fib(true), 512));
}

TEST(Ole2LegacyProbe, Version4Sectors) {
    std::string h = header(4);
    h.resize(4096, '\0');
    std::string d = directory("WordDocument", 1);
    d.resize(4096, '\0');
    std::string f = fib(true);
    f.resize(4096, '\0');
    expectAtEveryCut(h + d + f, true);
}

TEST(Ole2LegacyProbe, HolesSkipOneSectorOnly) {
    const std::string f =
        header() + fib(true) + std::string(512, 'x') + directory("WordDocument", 0);
    const auto feed = [](Ole2LegacyProbe& p, std::string_view s) {
        p.feed(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    };
    Ole2LegacyProbe p;
    feed(p, std::string_view(f).substr(0, 1024));
    p.skip(100); // inside the filler sector
    feed(p, std::string_view(f).substr(1124));
    EXPECT_TRUE(p.encrypted());
    Ole2LegacyProbe q;
    feed(q, std::string_view(f).substr(0, 600));
    q.skip(10); // inside the FIB's sector: it is not read
    feed(q, std::string_view(f).substr(610));
    EXPECT_FALSE(q.encrypted());
    Ole2LegacyProbe r;
    feed(r, std::string_view(f).substr(0, 100));
    r.skip(10); // the header itself
    EXPECT_TRUE(r.unusable());
}

TEST(Ole2LegacyProbe, MarksBoundAtItsLimit) {
    // kMaxMarks sectors reading as encrypted FIBs are kept; the directory then names the last.
    std::string f = header();
    for (size_t i = 0; i < Ole2LegacyProbe::kMaxMarks; ++i)
        f += fib(true);
    const auto with_directory = [&](const std::string& body, uint32_t start) {
        return body + directory("WordDocument", start);
    };
    EXPECT_TRUE(probe(with_directory(f, Ole2LegacyProbe::kMaxMarks - 1), 512));
    // One more: the probe gives up, and SealedProbe calls the file unreadable at its end.
    const std::string over = with_directory(f + fib(true), Ole2LegacyProbe::kMaxMarks);
    Ole2LegacyProbe p;
    p.feed(reinterpret_cast<const uint8_t*>(over.data()), over.size());
    EXPECT_TRUE(p.overflowed());
    EXPECT_FALSE(p.encrypted());
    SealedProbe s(SealedFormat::Ole2, 10);
    s.feed(reinterpret_cast<const uint8_t*>(over.data()), over.size());
    s.finish();
    EXPECT_EQ(s.verdict(), SealedVerdict::Unreadable);
    EXPECT_STREQ(sealedProblemReason(s.problem()), "corrupt");
}

TEST(Ole2LegacyProbe, ThroughSealedProbe) {
    const std::string f = file("Workbook", workbook(true), false);
    SealedProbe s(SealedFormat::Ole2, 10);
    for (size_t at = 0; at < f.size(); at += 100)
        s.feed(reinterpret_cast<const uint8_t*>(f.data() + at),
               std::min<size_t>(100, f.size() - at));
    EXPECT_EQ(s.verdict(), SealedVerdict::Encrypted);
    const std::string clean = file("Workbook", workbook(false), false);
    SealedProbe c(SealedFormat::Ole2, 10);
    c.feed(reinterpret_cast<const uint8_t*>(clean.data()), clean.size());
    c.finish();
    EXPECT_EQ(c.verdict(), SealedVerdict::Reading);
}

} // namespace
