// SealedProbe: RAR 5 encryption headers and file encryption records, RAR 4 password flags,
// OLE2 EncryptedPackage streams; the same verdict however the file is cut; the header bounds.

#include <string>

#include <gtest/gtest.h>
#include <zlib.h>

#include "dpi/transform/sealed/sealed_probe.h"

using namespace egressmon::dpi;

namespace {

std::string vint(uint64_t v) {
    std::string out;
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        if (v) b |= 0x80;
        out.push_back(static_cast<char>(b));
    } while (v);
    return out;
}

std::string le32(uint32_t v) {
    return std::string{static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 24)};
}

// A RAR 5 header: CRC32, size, then `body` (type, flags, ... as given).
std::string rar5Header(const std::string& body) {
    const std::string sized = vint(body.size()) + body;
    return le32(crc32(0, reinterpret_cast<const Bytef*>(sized.data()), sized.size())) + sized;
}

const std::string kRar5Signature("Rar!\x1a\x07\x01\x00", 8);

std::string rar5(bool encrypted_file, std::string_view data = "quarterly figures") {
    std::string main = rar5Header(vint(1) + vint(0) + vint(0)); // main archive header, no flags
    std::string extra;
    if (encrypted_file) {
        const std::string record = vint(1) + vint(0) + vint(0) + std::string(1, '\x0f') +
                                   std::string(32, '\x5a'); // AES-256, KDF 15, salt, IV
        extra = vint(record.size()) + record;
    }
    const std::string name = "q3/plan.txt";
    std::string file = vint(2) + vint(0x0001 | 0x0002) + vint(extra.size()) + vint(data.size()) +
                       vint(0) + vint(data.size()) + vint(0x20) + vint(0) + vint(0) +
                       vint(name.size()) + name + extra;
    std::string end = rar5Header(vint(5) + vint(0) + vint(0));
    return kRar5Signature + main + rar5Header(file) + std::string(data) + end;
}

SealedVerdict probe(SealedFormat format, std::string_view file, size_t piece = 0,
                    uint32_t max_headers = 100) {
    SealedProbe p(format, max_headers);
    if (piece == 0) piece = file.size();
    for (size_t at = 0; at < file.size(); at += piece) {
        const std::string_view s = file.substr(at, piece);
        p.feed(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    }
    return p.verdict();
}

TEST(SealedProbe, FormatsByTheirSignatures) {
    SealedFormat f;
    const auto of = [&](std::string_view s) {
        return sealedFormatOf({reinterpret_cast<const uint8_t*>(s.data()), s.size()}, f);
    };
    ASSERT_TRUE(of(kRar5Signature));
    EXPECT_EQ(f, SealedFormat::Rar5);
    ASSERT_TRUE(of(std::string("Rar!\x1a\x07\x00\x00", 8)));
    EXPECT_EQ(f, SealedFormat::Rar4);
    ASSERT_TRUE(of("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"));
    EXPECT_EQ(f, SealedFormat::Ole2);
    EXPECT_FALSE(of("PK\x03\x04\x14\x00\x00\x00"));
}

TEST(SealedProbe, Rar5FileEncryptionRecordAtEveryCut) {
    const std::string file = rar5(true);
    for (size_t piece = 1; piece <= file.size(); ++piece)
        ASSERT_EQ(probe(SealedFormat::Rar5, file, piece), SealedVerdict::Encrypted) << piece;
}

TEST(SealedProbe, Rar5WithoutEncryptionIsPlainAtEveryCut) {
    const std::string file = rar5(false);
    for (size_t piece = 1; piece <= file.size(); ++piece)
        ASSERT_EQ(probe(SealedFormat::Rar5, file, piece), SealedVerdict::Plain) << piece;
}

TEST(SealedProbe, Rar5EncryptedHeaders) {
    const std::string file =
        kRar5Signature +
        rar5Header(vint(4) + vint(0) + vint(0) + vint(0) + "\x0f" + std::string(16, 's')) +
        std::string(64, '\x99');
    EXPECT_EQ(probe(SealedFormat::Rar5, file, 3), SealedVerdict::Encrypted);
}

TEST(SealedProbe, Rar5DataAreasAreSkippedNotRead) {
    // A data area that looks like an encryption header must not be taken for one.
    const std::string fake = rar5Header(vint(4) + vint(0) + vint(0));
    EXPECT_EQ(probe(SealedFormat::Rar5, rar5(false, fake + fake)), SealedVerdict::Plain);
}

TEST(SealedProbe, Rar5HeadersBound) {
    const std::string file = rar5(false); // main, file, end: 3 headers
    EXPECT_EQ(probe(SealedFormat::Rar5, file, 0, 3), SealedVerdict::Plain);
    SealedProbe p(SealedFormat::Rar5, 2);
    p.feed(reinterpret_cast<const uint8_t*>(file.data()), file.size());
    EXPECT_EQ(p.verdict(), SealedVerdict::Reading);
    EXPECT_TRUE(p.headersExceeded());
}

TEST(SealedProbe, Rar5HeaderLongerThanTheBoundIsUnreadable) {
    // CRC (4) + a 3-byte size + the size: the whole header at most kMaxHeaderBytes.
    const auto header = [](size_t size) { return kRar5Signature + le32(0) + vint(size); };
    EXPECT_EQ(probe(SealedFormat::Rar5, header(SealedProbe::kMaxHeaderBytes - 7)),
              SealedVerdict::Reading); // at the bound: waits for the rest of it
    EXPECT_EQ(probe(SealedFormat::Rar5, header(SealedProbe::kMaxHeaderBytes - 6)),
              SealedVerdict::Unreadable);
    EXPECT_EQ(probe(SealedFormat::Rar5, header(1u << 30)), SealedVerdict::Unreadable);
}

std::string rar4Block(uint8_t type, uint16_t flags, const std::string& rest) {
    const uint16_t size = static_cast<uint16_t>(7 + rest.size());
    std::string h{static_cast<char>(type), static_cast<char>(flags), static_cast<char>(flags >> 8),
                  static_cast<char>(size), static_cast<char>(size >> 8)};
    h += rest;
    const uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(h.data()), h.size());
    return std::string{static_cast<char>(crc), static_cast<char>(crc >> 8)} + h;
}

std::string rar4(uint16_t main_flags, uint16_t file_flags) {
    const std::string data = "quarterly figures";
    const std::string name = "plan.txt";
    std::string file = le32(data.size()) + le32(data.size()) + std::string(1, '\x02') + le32(0) +
                       le32(0) + "\x1d\x30" + std::string{static_cast<char>(name.size()), 0} +
                       le32(0x20) + name;
    return std::string("Rar!\x1a\x07\x00", 7) + rar4Block(0x73, main_flags, std::string(6, '\0')) +
           rar4Block(0x74, static_cast<uint16_t>(0x8000 | file_flags), file) + data +
           rar4Block(0x7b, 0, "");
}

TEST(SealedProbe, Rar4PasswordFlagsAtEveryCut) {
    for (const auto& [main, file, verdict] : {std::tuple{0, 0x0004, SealedVerdict::Encrypted},
                                              std::tuple{0x0080, 0, SealedVerdict::Encrypted},
                                              std::tuple{0, 0, SealedVerdict::Plain}}) {
        const std::string f = rar4(static_cast<uint16_t>(main), static_cast<uint16_t>(file));
        for (size_t piece = 1; piece <= f.size(); ++piece)
            ASSERT_EQ(probe(SealedFormat::Rar4, f, piece), verdict) << main << " " << file;
    }
}

TEST(SealedProbe, Ole2EncryptedPackageAnywhereAtEveryCut) {
    const std::string name("E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0", 32);
    const std::string file = std::string("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) +
                             std::string(1000, '\0') + name + std::string(100, '\0');
    for (size_t piece = 1; piece <= 64; ++piece)
        ASSERT_EQ(probe(SealedFormat::Ole2, file, piece), SealedVerdict::Encrypted) << piece;
    const std::string plain = std::string("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) +
                              std::string(1000, '\0') + name.substr(0, 30) + std::string(9, 'x');
    EXPECT_EQ(probe(SealedFormat::Ole2, plain, 7), SealedVerdict::Reading);
}

TEST(SealedProbe, GarbageNeverCrashes) {
    std::string junk = kRar5Signature;
    for (int i = 0; i < 5000; ++i)
        junk.push_back(static_cast<char>((i * 7919) ^ (i >> 3)));
    for (SealedFormat f : {SealedFormat::Rar5, SealedFormat::Rar4, SealedFormat::Ole2})
        for (size_t piece : {1u, 13u, 5000u})
            (void)probe(f, junk, piece);
}

} // namespace
