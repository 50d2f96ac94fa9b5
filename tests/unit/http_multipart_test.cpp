#include <gtest/gtest.h>

#include "dpi/http_multipart.h"
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

} // namespace
} // namespace egressmon::dpi
