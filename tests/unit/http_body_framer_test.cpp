#include <gtest/gtest.h>

#include "dpi/decode/http/http_body_framer.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

// Feeds pieces; returns body bytes + "|done:<consumed after end>" or "|error".
std::string frame(const std::vector<std::string_view>& pieces, HttpBodyFramer::Mode mode,
                  uint64_t length = 0) {
    HttpBodyFramer f;
    f.start(mode, length);
    std::string body;
    size_t total = 0;
    for (auto p : pieces) {
        size_t i = 0;
        while (i < p.size()) {
            const auto s = f.step(test::u8(p) + i, p.size() - i);
            body.append(reinterpret_cast<const char*>(s.body), s.body_len);
            i += s.consumed;
            total += s.consumed;
            if (s.error) return body + "|error";
            if (s.done) return body + "|done:" + std::to_string(total);
        }
    }
    return body + "|open";
}

TEST(HttpBodyFramer, ContentLength) {
    EXPECT_EQ(frame({"hello world"}, HttpBodyFramer::Mode::Length, 5), "hello|done:5");
    EXPECT_EQ(frame({"hel"}, HttpBodyFramer::Mode::Length, 5), "hel|open");
}

TEST(HttpBodyFramer, UntilClose) {
    EXPECT_EQ(frame({"abc", "def"}, HttpBodyFramer::Mode::UntilClose), "abcdef|open");
}

TEST(HttpBodyFramer, ChunkedWithExtensionsAndTrailers) {
    const std::string in =
        "5;name=\"v\"\r\nhello\r\nA \r\n0123456789\r\n0\r\nT: 1\r\nU: 2\r\n\r\nNEXT";
    EXPECT_EQ(frame({in}, HttpBodyFramer::Mode::Chunked),
              "hello0123456789|done:" + std::to_string(in.size() - 4));
    EXPECT_EQ(frame({"3\nabc\n0\n\n"}, HttpBodyFramer::Mode::Chunked), "abc|done:9");
    // A Content-Length given alongside is ignored by the chunked framing.
    EXPECT_EQ(frame({"3\nabc\n0\n\n"}, HttpBodyFramer::Mode::Chunked, 99), "abc|done:9");
}

TEST(HttpBodyFramer, ChunkedErrors) {
    EXPECT_EQ(frame({"zz\r\n"}, HttpBodyFramer::Mode::Chunked), "|error");
    EXPECT_EQ(frame({"3\r\nabcX"}, HttpBodyFramer::Mode::Chunked), "abc|error");
    EXPECT_EQ(frame({"1000000000000000\r\n"}, HttpBodyFramer::Mode::Chunked), "|error");
}

TEST(HttpBodyFramer, SplitEverywhere) {
    const std::string in = test::chunked("The quick brown fox jumps over the lazy dog", 7) + "rest";
    const std::string out = test::expectSplitInvariant(
        in, [](const auto& pieces) { return frame(pieces, HttpBodyFramer::Mode::Chunked); });
    EXPECT_EQ(out,
              "The quick brown fox jumps over the lazy dog|done:" + std::to_string(in.size() - 4));
}

// http.max-trailer-bytes: a trailer section, its empty last line included, of exactly the
// bound ends the body; one byte more is an error marked as the trailer bound.
TEST(HttpBodyFramer, TrailerBoundJustAbove) {
    const std::string in = "1\r\na\r\n0\r\nX: 12345\r\n\r\n"; // trailer section: 12 bytes
    for (const uint32_t bound : {13u, 12u, 11u}) {
        HttpBodyFramer f(bound);
        f.start(HttpBodyFramer::Mode::Chunked);
        size_t i = 0;
        HttpBodyFramer::Step s;
        while (i < in.size() && !s.done && !s.error) {
            s = f.step(test::u8(in) + i, in.size() - i);
            i += s.consumed;
        }
        EXPECT_EQ(s.done, bound >= 12) << bound;
        EXPECT_EQ(s.error, bound < 12) << bound;
        EXPECT_EQ(s.trailer_too_large, bound < 12) << bound;
    }
}

std::string gapResult(const HttpBodyFramer::GapStep& g) {
    return std::to_string(g.body) + (g.resumes ? " resumes" : " lost") + (g.done ? " done" : "");
}

// A hole inside data of a known length takes body bytes and framing goes on; one ending with
// the body is done; one running past it, or through chunk framing, loses the framing.
TEST(HttpBodyFramer, GapInsideKnownLengthGoesOn) {
    HttpBodyFramer f;
    f.start(HttpBodyFramer::Mode::Length, 10);
    f.step(test::u8("abc"), 3);
    EXPECT_EQ(gapResult(f.gap(4)), "4 resumes");
    EXPECT_EQ(gapResult(f.gap(3)), "3 resumes done");
    f.start(HttpBodyFramer::Mode::Length, 10);
    EXPECT_EQ(gapResult(f.gap(25)), "10 lost");
    f.start(HttpBodyFramer::Mode::UntilClose);
    EXPECT_EQ(gapResult(f.gap(1ull << 40)), "1099511627776 resumes");
}

TEST(HttpBodyFramer, GapInChunkedBody) {
    HttpBodyFramer f;
    f.start(HttpBodyFramer::Mode::Chunked);
    const std::string in = "5\r\nab";
    f.step(test::u8(in), in.size());
    EXPECT_EQ(gapResult(f.gap(2)), "2 resumes");
    EXPECT_EQ(gapResult(f.gap(1)), "1 resumes"); // the chunk's end: its CRLF follows
    const std::string rest = "\r\n0\r\n\r\n";
    const auto s = f.step(test::u8(rest), rest.size());
    EXPECT_TRUE(s.done);
    EXPECT_FALSE(s.error);
    f.start(HttpBodyFramer::Mode::Chunked);
    f.step(test::u8("5"), 1);
    EXPECT_EQ(gapResult(f.gap(1)), "0 lost"); // in the size line
    f.start(HttpBodyFramer::Mode::Chunked);
    f.step(test::u8(in), in.size());
    EXPECT_EQ(gapResult(f.gap(4)), "3 lost"); // past the chunk's data
}

} // namespace
} // namespace egressmon::dpi
