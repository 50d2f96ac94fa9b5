#include <gtest/gtest.h>

#include "dpi/content/content_inflater.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

struct Collect : InflateOutput {
    std::string out;
    void inflated(const uint8_t* data, size_t len) override {
        out.append(reinterpret_cast<const char*>(data), len);
    }
};

struct Result {
    std::string out;
    Inflater::Status status;
};

Result inflateAll(const std::vector<std::string_view>& pieces, Inflater::Format format,
                  uint64_t max_out = 1 << 30, uint32_t ratio = 1000) {
    Inflater inf(format, max_out, ratio);
    Collect c;
    for (auto p : pieces)
        inf.feed(test::u8(p), p.size(), c);
    return {c.out, inf.status()};
}

std::string sample() {
    std::string s;
    for (int i = 0; i < 300; ++i)
        s += "line " + std::to_string(i * 7919 % 1000) + " CONFIDENTIAL\n";
    return s;
}

TEST(Inflater, Gzip) {
    const std::string plain = sample();
    const auto r = inflateAll({test::gzip(plain)}, Inflater::Format::Gzip);
    EXPECT_EQ(r.status, Inflater::Status::Finished);
    EXPECT_EQ(r.out, plain);
}

TEST(Inflater, GzipFormatAcceptsZlib) {
    const auto r = inflateAll({test::compress("hello", 15)}, Inflater::Format::Gzip);
    EXPECT_EQ(r.out, "hello");
}

TEST(Inflater, DeflateZlibWrappedAndRaw) {
    const std::string plain = sample();
    const auto wrapped = inflateAll({test::compress(plain, 15)}, Inflater::Format::Deflate);
    EXPECT_EQ(wrapped.status, Inflater::Status::Finished);
    EXPECT_EQ(wrapped.out, plain);
    const auto raw = inflateAll({test::compress(plain, -15)}, Inflater::Format::Deflate);
    EXPECT_EQ(raw.status, Inflater::Status::Finished);
    EXPECT_EQ(raw.out, plain);
}

TEST(Inflater, CorruptDataIsAnError) {
    std::string z = test::gzip(sample());
    for (size_t i = 20; i < 40; ++i)
        z[i] = static_cast<char>(z[i] ^ 0x5a);
    const auto r = inflateAll({z}, Inflater::Format::Gzip);
    EXPECT_EQ(r.status, Inflater::Status::Error);
    EXPECT_EQ(inflateAll({"not gzip at all"}, Inflater::Format::Gzip).status,
              Inflater::Status::Error);
}

TEST(Inflater, SizeBoundCutsExactly) {
    const std::string zeros(10 << 20, '\0');
    const auto r = inflateAll({test::gzip(zeros)}, Inflater::Format::Gzip, 100000, 0);
    EXPECT_EQ(r.status, Inflater::Status::Bomb);
    EXPECT_EQ(r.out.size(), 100000u);
}

TEST(Inflater, RatioBound) {
    const std::string zeros(10 << 20, '\0');
    const std::string z = test::gzip(zeros);
    const auto r = inflateAll({z}, Inflater::Format::Gzip, 1 << 30, 100);
    EXPECT_EQ(r.status, Inflater::Status::Bomb);
    EXPECT_LE(r.out.size(), std::max<size_t>(Inflater::kRatioGrace, 100 * z.size()));
    // Small inputs are not judged by ratio.
    const auto small =
        inflateAll({test::gzip(std::string(60000, 'a'))}, Inflater::Format::Gzip, 1 << 30, 2);
    EXPECT_EQ(small.status, Inflater::Status::Finished);
}

TEST(Inflater, SplitEverywhere) {
    const std::string plain = sample();
    for (int bits : {31, 15, -15}) {
        const auto format = bits == 31 ? Inflater::Format::Gzip : Inflater::Format::Deflate;
        const std::string out =
            test::expectSplitInvariant(test::compress(plain, bits), [format](const auto& pieces) {
                const auto r = inflateAll(pieces, format);
                return r.out + (r.status == Inflater::Status::Finished ? "" : "!unfinished");
            });
        EXPECT_EQ(out, plain) << bits;
    }
}

TEST(Inflater, RawFormatNeverGuessesAZlibHeader) {
    // A raw stream whose first two bytes also read as a zlib header (08 1d: CM 8, check ok):
    // a stored block of 29 bytes, then an empty final stored block. ZIP entries are raw, so
    // Format::Raw must not guess; Format::Deflate (for HTTP) takes it for zlib and fails.
    const std::string body(29, 'x');
    const std::string raw =
        std::string("\x08\x1d\x00\xe2\xff", 5) + body + std::string("\x01\x00\x00\xff\xff", 5);
    const auto r = inflateAll({raw}, Inflater::Format::Raw);
    EXPECT_EQ(r.status, Inflater::Status::Finished);
    EXPECT_EQ(r.out, body);
    EXPECT_NE(inflateAll({raw}, Inflater::Format::Deflate).out, body);
    const std::string plain = sample();
    EXPECT_EQ(inflateAll({test::compress(plain, -15)}, Inflater::Format::Raw).out, plain);
    EXPECT_EQ(inflateAll({test::compress(plain, 15)}, Inflater::Format::Raw).status,
              Inflater::Status::Error);
}

TEST(Inflater, UnconsumedTailTellsWhereTheStreamEnded) {
    // What a ZIP data descriptor needs: the bytes after the stream, for every split.
    const std::string plain = sample();
    const std::string after = std::string("PK\x07\x08", 4) + "descriptor";
    for (int bits : {-15, 15, 31}) {
        const auto format = bits == 31   ? Inflater::Format::Gzip
                            : bits == 15 ? Inflater::Format::Deflate
                                         : Inflater::Format::Raw;
        const std::string input = test::compress(plain, bits) + after;
        const std::string got =
            test::expectSplitInvariant(input, [&input, format](const auto& pieces) {
                Inflater inf(format, 1 << 30, 1000);
                Collect c;
                size_t at = 0;
                for (auto p : pieces) {
                    const bool was_active = inf.status() == Inflater::Status::Active;
                    inf.feed(test::u8(p), p.size(), c);
                    if (was_active && inf.status() == Inflater::Status::Finished)
                        return c.out + "|" + input.substr(at + p.size() - inf.unconsumedTail());
                    at += p.size();
                }
                return c.out + "|unfinished";
            });
        EXPECT_EQ(got, plain + "|" + after) << bits;
    }
}

} // namespace
} // namespace egressmon::dpi
