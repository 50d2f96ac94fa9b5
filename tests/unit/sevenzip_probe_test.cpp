// SevenZipProbe and parseSevenZipHeader: 7zAES in a plain header's folders, in an LZMA- or
// LZMA2-packed header, an encrypted header (-mhe); the same verdict however the file is cut;
// the header bound at its limit; CRCs, truncation, holes and the extraction budget.

#include <lzma.h>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <zlib.h>

#include "dpi/transform/sealed/sealed_probe.h"
#include "dpi/transform/sealed/sevenzip_header.h"
#include "dpi/transform/sealed/sevenzip_probe.h"

using namespace egressmon::dpi;

namespace {

std::string le(uint64_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<char>(v >> (8 * i)));
    return out;
}

uint32_t crcOf(const std::string& s) {
    return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

// 7z's NUMBER: values below 0x80 in one byte, then 0x80 | high bits with one more byte, ...
std::string number(uint64_t v) {
    if (v < 0x80) return std::string(1, static_cast<char>(v));
    if (v < 0x4000) return std::string{static_cast<char>(0x80 | (v >> 8)), static_cast<char>(v)};
    return std::string("\xff") + le(v, 8);
}

struct Coder {
    std::string id;
    std::string props;
};

const Coder kLzma{"\x03\x01\x01", std::string("\x5d\x00\x00\x01\x00", 5)}; // 64 KiB dictionary
const Coder kLzma2{"\x21", "\x10"};
const Coder kAes{"\x06\xf1\x07\x01", std::string("\xd3\x00", 2)}; // cycles 19, no salt or IV
const Coder kCopy{std::string(1, '\0'), ""};

// One folder whose coders are chained (coder i's output feeds coder i-1): one packed stream.
std::string folder(const std::vector<Coder>& coders) {
    std::string f = number(coders.size());
    for (const Coder& c : coders) {
        f.push_back(static_cast<char>(c.id.size() | (c.props.empty() ? 0 : 0x20)));
        f += c.id;
        if (!c.props.empty()) f += number(c.props.size()) + c.props;
    }
    for (size_t i = 0; i + 1 < coders.size(); ++i)
        f += number(i) + number(i + 1); // in stream i, out stream i + 1
    return f;
}

// StreamsInfo: one packed stream at `pack_pos` of `pack_size`, one folder whose every coder
// outputs `unpack_size` bytes, the folder's CRC when given.
std::string streams(uint64_t pack_pos, uint64_t pack_size, const std::vector<Coder>& coders,
                    uint64_t unpack_size, const uint32_t* crc = nullptr) {
    std::string s = std::string("\x06") + number(pack_pos) + number(1) + std::string("\x09") +
                    number(pack_size) + std::string(1, '\0');
    s += std::string("\x07\x0b") + number(1) + std::string(1, '\0') + folder(coders) + "\x0c";
    for (size_t i = 0; i < coders.size(); ++i)
        s += number(unpack_size);
    if (crc) s += std::string("\x0a\x01") + le(*crc, 4);
    s += std::string(1, '\0');       // end of UnpackInfo
    return s + std::string(1, '\0'); // end of StreamsInfo
}

// A plain header whose one folder has `coders`: kHeader kMainStreamsInfo ... kEnd.
std::string plainHeader(const std::vector<Coder>& coders) {
    return std::string("\x01\x04") + streams(0, 16, coders, 16) + std::string(1, '\0');
}

std::string lzmaRaw(const std::string& data, bool lzma2) {
    lzma_options_lzma options;
    lzma_lzma_preset(&options, 6);
    options.dict_size = 1 << 16;
    lzma_filter filters[2] = {{lzma2 ? LZMA_FILTER_LZMA2 : LZMA_FILTER_LZMA1, &options},
                              {LZMA_VLI_UNKNOWN, nullptr}};
    std::string out(data.size() + 1024, '\0');
    size_t out_pos = 0;
    EXPECT_EQ(lzma_raw_buffer_encode(filters, nullptr,
                                     reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                     reinterpret_cast<uint8_t*>(out.data()), &out_pos, out.size()),
              LZMA_OK);
    out.resize(out_pos);
    return out;
}

// Signature header, `content` (the packed streams of the files), `packed` (a packed header's
// bytes), then `next` (the header the signature header points at).
std::string archive(const std::string& content, const std::string& packed,
                    const std::string& next) {
    const std::string start =
        le(content.size() + packed.size(), 8) + le(next.size(), 8) + le(crcOf(next), 4);
    return std::string("7z\xbc\xaf\x27\x1c\x00\x04", 8) + le(crcOf(start), 4) + start + content +
           packed + next;
}

// `header` packed by `coder` (LZMA or LZMA2) into a kEncodedHeader after `content`.
std::string encoded(const std::string& content, const std::string& header, const Coder& coder) {
    const std::string packed = lzmaRaw(header, coder.id == kLzma2.id);
    const uint32_t crc = crcOf(header);
    return archive(content, packed,
                   std::string("\x17") +
                       streams(content.size(), packed.size(), {coder}, header.size(), &crc));
}

const std::string kContent(200, 'c'); // stand-in packed file data

struct Outcome {
    SealedVerdict verdict;
    SealedProblem problem;
    uint32_t decoded;
};

Outcome probe(const std::string& file, size_t piece = 0, uint64_t bound = 1 << 20,
              ExtractionBudget* budget = nullptr) {
    SevenZipProbe p(bound, budget);
    if (piece == 0) piece = file.size();
    for (size_t at = 0; at < file.size(); at += piece) {
        const std::string_view s = std::string_view(file).substr(at, piece);
        p.feed(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    }
    p.finish();
    return {p.verdict(), p.problem(), p.headersDecoded()};
}

void expectAtEveryCut(const std::string& file, SealedVerdict verdict, uint32_t decoded) {
    for (size_t piece = 1; piece <= file.size(); ++piece) {
        const Outcome r = probe(file, piece);
        ASSERT_EQ(r.verdict, verdict) << piece;
        ASSERT_EQ(r.decoded, decoded) << piece;
    }
}

TEST(SevenZipHeader, CodersOfAPlainAndAnEncodedHeader) {
    const std::string plain = plainHeader({kLzma});
    const auto bytes = [](const std::string& s) {
        return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    };
    SevenZipHeader h = parseSevenZipHeader(bytes(plain));
    EXPECT_EQ(h.kind, SevenZipHeader::Kind::Header);
    EXPECT_FALSE(h.aes);
    const std::string aes = plainHeader({kLzma, kAes});
    EXPECT_TRUE(parseSevenZipHeader(bytes(aes)).aes);
    const std::string enc = std::string("\x17") + streams(300, 40, {kLzma}, 90);
    h = parseSevenZipHeader(bytes(enc));
    ASSERT_EQ(h.kind, SevenZipHeader::Kind::Encoded);
    EXPECT_EQ(h.encoded.pack_pos, 300u);
    EXPECT_EQ(h.encoded.pack_sizes, std::vector<uint64_t>{40});
    EXPECT_EQ(h.encoded.unpack_sizes, std::vector<uint64_t>{90});
    ASSERT_EQ(h.encoded.folders.size(), 1u);
    EXPECT_EQ(h.encoded.folders[0].coders[0].id, k7zLzma);
    // Every cut of a header is corrupt, never read past its end.
    for (size_t n = 0; n < enc.size(); ++n)
        EXPECT_EQ(parseSevenZipHeader(bytes(enc.substr(0, n))).kind, SevenZipHeader::Kind::Corrupt)
            << n;
    EXPECT_EQ(parseSevenZipHeader(bytes(std::string("\x01\x00", 2))).kind,
              SevenZipHeader::Kind::Header);
}

TEST(SevenZipProbe, PlainHeaderWithAesAtEveryCut) {
    expectAtEveryCut(archive(kContent, "", plainHeader({kLzma, kAes})), SealedVerdict::Encrypted,
                     0);
    expectAtEveryCut(archive(kContent, "", plainHeader({kCopy})), SealedVerdict::Plain, 0);
}

TEST(SevenZipProbe, LzmaPackedHeaderIsDecodedAtEveryCut) {
    expectAtEveryCut(encoded(kContent, plainHeader({kLzma, kAes}), kLzma), SealedVerdict::Encrypted,
                     1);
    expectAtEveryCut(encoded(kContent, plainHeader({kLzma}), kLzma), SealedVerdict::Plain, 1);
    expectAtEveryCut(encoded(kContent, plainHeader({kAes}), kLzma2), SealedVerdict::Encrypted, 1);
}

TEST(SevenZipProbe, EncryptedHeaderIsEncryptedWithoutDecoding) {
    // -mhe=on: the encoded header's own folder is AES over LZMA; its packed bytes are ciphertext.
    const std::string packed(48, '\x5a');
    const std::string file = archive(
        kContent, packed, std::string("\x17") + streams(kContent.size(), 48, {kLzma, kAes}, 100));
    expectAtEveryCut(file, SealedVerdict::Encrypted, 0);
}

TEST(SevenZipProbe, EmptyArchives) {
    EXPECT_EQ(probe(archive("", "", std::string("\x01\x00", 2))).verdict, SealedVerdict::Plain);
    EXPECT_EQ(probe(archive("", "", "")).verdict, SealedVerdict::Plain); // no header at all
}

TEST(SevenZipProbe, HeaderBoundAtItsLimit) {
    const std::string header = plainHeader({kLzma, kAes});
    const std::string file = encoded(kContent, header, kLzma);
    // The tail held: the packed header and the encoded header after it.
    const size_t tail = file.size() - 32 - kContent.size();
    EXPECT_EQ(probe(file, 7, std::max(tail, header.size())).verdict, SealedVerdict::Encrypted);
    const Outcome over = probe(file, 7, tail - 1);
    EXPECT_EQ(over.verdict, SealedVerdict::Unreadable);
    EXPECT_EQ(over.problem, SealedProblem::HeaderBytes);
    EXPECT_STREQ(sealedProblemReason(over.problem), "max-7z-header-bytes");
    // The decoded header's size is bounded too.
    const std::string big = plainHeader({kLzma, kAes}) + std::string(5000, '\0');
    const std::string big_file = encoded(kContent, big, kLzma);
    EXPECT_EQ(probe(big_file, 0, big.size()).verdict, SealedVerdict::Encrypted);
    EXPECT_EQ(probe(big_file, 0, big.size() - 1).problem, SealedProblem::HeaderBytes);
    // And the next header itself.
    const std::string plain = archive(kContent, "", header);
    EXPECT_EQ(probe(plain, 0, header.size()).verdict, SealedVerdict::Encrypted);
    EXPECT_EQ(probe(plain, 0, header.size() - 1).problem, SealedProblem::HeaderBytes);
}

TEST(SevenZipProbe, CorruptInputIsUnreadable) {
    const std::string file = encoded(kContent, plainHeader({kLzma}), kLzma);
    std::string bad = file;
    bad[13] ^= 1; // the start header's CRC no longer matches
    EXPECT_EQ(probe(bad).problem, SealedProblem::Corrupt);
    bad = file;
    bad.back() ^= 1; // the next header's CRC
    EXPECT_EQ(probe(bad).problem, SealedProblem::Corrupt);
    bad = file;
    bad[32 + kContent.size() + 3] ^= 0x40; // the packed header: LZMA data or its CRC
    EXPECT_EQ(probe(bad).verdict, SealedVerdict::Unreadable);
    // Cut short: the header never comes.
    const Outcome cut = probe(file.substr(0, file.size() - 1));
    EXPECT_EQ(cut.verdict, SealedVerdict::Unreadable);
    EXPECT_EQ(cut.problem, SealedProblem::Corrupt);
    // Every single-byte change anywhere: a verdict, never a crash.
    for (size_t i = 0; i < file.size(); ++i) {
        std::string m = file;
        m[i] = static_cast<char>(m[i] ^ 0xA5);
        (void)probe(m, 5);
    }
}

TEST(SevenZipProbe, UnsupportedHeaderCoder) {
    const std::string header = plainHeader({kLzma});
    const std::string file = archive(
        kContent, header,
        std::string("\x17") + streams(kContent.size(), header.size(), {kCopy}, header.size()));
    const Outcome r = probe(file);
    EXPECT_EQ(r.problem, SealedProblem::Unsupported);
    EXPECT_STREQ(sealedProblemReason(r.problem), "unsupported-method");
}

TEST(SevenZipProbe, HolesBeforeTheTailCostNothing) {
    const std::string file = encoded(kContent, plainHeader({kAes}), kLzma);
    const auto feed = [](SevenZipProbe& p, std::string_view s) {
        p.feed(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    };
    // The tail held starts at byte 182 (the packed header is at 232): bytes before are counted.
    SevenZipProbe p(file.size() - 182, nullptr);
    feed(p, std::string_view(file).substr(0, 40));
    p.skip(100); // inside the file's content
    feed(p, std::string_view(file).substr(140));
    EXPECT_EQ(p.verdict(), SealedVerdict::Encrypted);

    SevenZipProbe q(1 << 20, nullptr);
    feed(q, std::string_view(file).substr(0, file.size() - 3));
    q.skip(1); // in the header
    EXPECT_EQ(q.verdict(), SealedVerdict::Unreadable);
    EXPECT_EQ(q.problem(), SealedProblem::Gap);
}

TEST(SevenZipProbe, TailIsReservedInTheBudgetAndGivenBack) {
    const std::string file = encoded(kContent, plainHeader({kLzma}), kLzma);
    ExtractionBudget budget;
    budget.limit = 1 << 20;
    EXPECT_EQ(probe(file, 3, 1 << 16, &budget).verdict, SealedVerdict::Plain);
    EXPECT_EQ(budget.in_use, 0u);
    EXPECT_GT(budget.peak, 0u);
    ExtractionBudget small;
    small.limit = 16;
    const Outcome r = probe(file, 3, 1 << 16, &small);
    EXPECT_EQ(r.problem, SealedProblem::Memory);
    EXPECT_EQ(small.in_use, 0u);
}

TEST(SevenZipProbe, ThroughSealedProbe) {
    const std::string file = encoded(kContent, plainHeader({kAes}), kLzma);
    SealedFormat f;
    ASSERT_TRUE(sealedFormatOf({reinterpret_cast<const uint8_t*>(file.data()), 8}, f));
    ASSERT_EQ(f, SealedFormat::SevenZip);
    SealedProbe p(SealedFormat::SevenZip, 10, SealedLimits{});
    p.feed(reinterpret_cast<const uint8_t*>(file.data()), file.size());
    p.finish();
    EXPECT_EQ(p.verdict(), SealedVerdict::Encrypted);
    EXPECT_EQ(p.headersDecoded(), 1u);
}

} // namespace
