#include <gtest/gtest.h>

#include "dpi/decode/http/http_multipart.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

struct Parts : MultipartHandler {
    std::string out;
    int open = 0;
    void partBegin() override {
        out += "[";
        ++open;
    }
    void partData(const uint8_t* d, size_t n) override {
        EXPECT_EQ(open, 1);
        out.append(reinterpret_cast<const char*>(d), n);
    }
    void partGap(uint64_t missing) override {
        EXPECT_EQ(open, 1);
        out += "<gap " + std::to_string(missing) + ">";
    }
    void partEnd() override {
        out += "]";
        --open;
    }
};

std::string parse(const std::vector<std::string_view>& pieces, std::string_view boundary) {
    MultipartParser p(boundary);
    Parts h;
    for (auto piece : pieces)
        p.feed(test::u8(piece), piece.size(), h);
    p.finish(h);
    EXPECT_EQ(h.open, 0);
    return h.out;
}

const std::string kBody = "preamble\r\n"
                          "--XyZ\r\n"
                          "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
                          "plain\r\nvalue with \r\n--XyNot a boundary\r\r\n"
                          "--XyZ\r\n"
                          "Content-Disposition: form-data; name=\"f\"; filename=\"s.txt\"\r\n"
                          "Content-Type: text/plain\r\n"
                          "content-transfer-encoding: BASE64\r\n\r\n"
                          "VG9wIFNlY3JldDog\r\nQ09ORklERU5USUFM\r\n"
                          "--XyZ  \r\n"
                          "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                          "CONFI=\r\nDENTIAL =E4=B8=AD\r\n"
                          "--XyZ\r\n\r\n"
                          "\r\n"
                          "--XyZ--\r\n"
                          "epilogue --XyZ\r\n\r\nignored";

TEST(MultipartParser, PartsAndEncodings) {
    EXPECT_EQ(parse({kBody}, "XyZ"), "[plain\r\nvalue with \r\n--XyNot a boundary\r]"
                                     "[Top Secret: CONFIDENTIAL]"
                                     "[CONFIDENTIAL \xE4\xB8\xAD]"
                                     "[]");
}

TEST(MultipartParser, BoundaryAtStartAndLfOnly) {
    EXPECT_EQ(parse({"--b\nX: y\n\none\n--b\n\ntwo\n--b--"}, "b"), "[one][two]");
}

TEST(MultipartParser, TruncatedPartEnds) {
    EXPECT_EQ(parse({"--b\r\n\r\nabc\r\n--"}, "b"), "[abc\r\n--]");
}

TEST(MultipartParser, SplitEverywhere) {
    const std::string out =
        test::expectSplitInvariant(kBody, [](const auto& pieces) { return parse(pieces, "XyZ"); });
    EXPECT_NE(out.find("[Top Secret: CONFIDENTIAL]"), std::string::npos);
}

// http.max-part-header-bytes: a part's header section, blank line included, of exactly the
// bound is parsed; one byte more fails the parser (the rest of the body is not parsed).
TEST(MultipartParser, PartHeaderBoundJustAbove) {
    const auto run = [](size_t section) {
        const std::string header = "X: " + std::string(section - 7, 'h') + "\r\n\r\n";
        const std::string body = "--B\r\n" + header + "data\r\n--B--\r\n";
        MultipartParser p("B", 64);
        Parts h;
        p.feed(test::u8(body), body.size(), h);
        const bool failed = p.failed();
        p.finish(h);
        return std::make_pair(failed, h.out);
    };
    EXPECT_EQ(run(63), std::make_pair(false, std::string("[data]")));
    EXPECT_EQ(run(64), std::make_pair(false, std::string("[data]")));
    EXPECT_EQ(run(65), std::make_pair(true, std::string()));
}

// Parses `before`, loses `missing` bytes, parses `after`, finishes.
std::string parseWithGap(std::string_view before, uint64_t missing, std::string_view after,
                         std::string_view boundary, bool* cut = nullptr) {
    MultipartParser p(boundary);
    Parts h;
    p.feed(test::u8(before), before.size(), h);
    const bool c = p.gap(missing, h);
    if (cut) *cut = c;
    p.feed(test::u8(after), after.size(), h);
    p.finish(h);
    EXPECT_EQ(h.open, 0);
    return h.out;
}

// A hole inside an identity part: the part takes the gap and goes on; the next part follows.
TEST(MultipartParser, GapInIdentityPartContinuesThePart) {
    bool cut = true;
    EXPECT_EQ(
        parseWithGap("--B\r\n\r\nfirst half", 7, " second\r\n--B\r\n\r\ntwo\r\n--B--", "B", &cut),
        "[first half<gap 7> second][two]");
    EXPECT_FALSE(cut);
}

// A delimiter prefix held when the hole comes is dropped: it cannot be completed across it.
TEST(MultipartParser, GapDropsAHeldDelimiterPrefix) {
    EXPECT_EQ(parseWithGap("--B\r\n\r\nabc\r\n-", 3, "xyz\r\n--B\r\n\r\ntwo\r\n--B--", "B"),
              "[abc<gap 3>xyz][two]");
}

// A base64 part cannot go on after a hole (its alignment is lost): it ends, the parser skips
// to the next delimiter, which may begin right after the hole.
TEST(MultipartParser, GapInBase64PartEndsItAndResyncsAtNextBoundary) {
    const std::string head = "--B\r\nContent-Transfer-Encoding: base64\r\n\r\nU2VjcmV0";
    bool cut = false;
    EXPECT_EQ(parseWithGap(head, 5, "c2VjcmV0\r\n--B\r\n\r\ntwo\r\n--B--", "B", &cut),
              "[Secret][two]");
    EXPECT_TRUE(cut);
    EXPECT_EQ(parseWithGap(head, 5, "--B\r\n\r\ntwo\r\n--B--", "B"), "[Secret][two]");
}

// A hole in a part's headers or between parts: resynchronise at the next delimiter line.
TEST(MultipartParser, GapInPartHeadersResyncsAtNextBoundary) {
    EXPECT_EQ(parseWithGap("--B\r\nContent-Disp", 10,
                           "ition: x\r\n\r\nlost\r\n--B\r\n\r\ntwo\r\n--B--", "B"),
              "[two]");
}

} // namespace
} // namespace egressmon::dpi
