// MimeParser on the body of a multipart entity whose headers were read elsewhere: how HTTP
// multipart/form-data bodies are split (the boundary comes from the HTTP Content-Type).

#include <gtest/gtest.h>

#include "dpi/decode/mime/mime_parser.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

struct Parts : MimeHandler {
    const MimeParser* parser = nullptr;
    std::string out;
    std::vector<std::string> names; // the file name of each part that gave data
    bool open = false;
    void partData(MimeEncoding, const uint8_t* d, size_t n) override {
        EXPECT_GT(n, 0u);
        if (!open) {
            out += "[";
            open = true;
            names.push_back(parser->part().file_name);
        }
        out.append(reinterpret_cast<const char*>(d), n);
    }
    void partGap(uint64_t missing) override {
        if (!open) out += "[";
        open = true;
        out += "<gap " + std::to_string(missing) + ">";
    }
    void partEnd() override {
        if (open) out += "]";
        open = false;
    }
};

MimeLimits limits(uint32_t max_header_bytes = 16 * 1024, uint32_t max_depth = 8) {
    return MimeLimits{max_header_bytes, max_header_bytes, max_depth};
}

std::string parse(const std::vector<std::string_view>& pieces, std::string_view boundary,
                  std::vector<std::string>* names = nullptr) {
    MimeParser p(limits(), boundary);
    Parts h;
    h.parser = &p;
    for (auto piece : pieces)
        p.feed(test::u8(piece), piece.size(), h);
    p.finish(h);
    EXPECT_FALSE(h.open);
    if (names) *names = h.names;
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

// Each part decoded by its transfer encoding; a part that gives no bytes (the last one: the
// line break before a delimiter belongs to it) shows nothing; the file name comes from
// Content-Disposition.
TEST(MimeParserMultipartBody, PartsEncodingsAndFileNames) {
    std::vector<std::string> names;
    EXPECT_EQ(parse({kBody}, "XyZ", &names), "[plain\r\nvalue with \r\n--XyNot a boundary\r]"
                                             "[Top Secret: CONFIDENTIAL]"
                                             "[CONFIDENTIAL \xE4\xB8\xAD]");
    EXPECT_EQ(names, (std::vector<std::string>{"", "s.txt", ""}));
}

TEST(MimeParserMultipartBody, BoundaryAtStartAndLfOnly) {
    EXPECT_EQ(parse({"--b\nX: y\n\none\n--b\n\ntwo\n--b--"}, "b"), "[one][two]");
}

TEST(MimeParserMultipartBody, TruncatedPartEnds) {
    EXPECT_EQ(parse({"--b\r\n\r\nabc\r\n--"}, "b"), "[abc\r\n--]");
}

TEST(MimeParserMultipartBody, SplitEverywhere) {
    const std::string out =
        test::expectSplitInvariant(kBody, [](const auto& pieces) { return parse(pieces, "XyZ"); });
    EXPECT_NE(out.find("[Top Secret: CONFIDENTIAL]"), std::string::npos);
}

// http.max-part-header-bytes: a part's header fields (the blank line after them not counted)
// of exactly the bound are read whole; one byte more is counted and the fields past the bound
// are ignored (here the transfer encoding, so the base64 content is passed on as it is); the
// part is still decoded and the next one is not affected.
TEST(MimeParserMultipartBody, PartHeaderBoundJustAbove) {
    const auto run = [](size_t fields) {
        const std::string cte = "Content-Transfer-Encoding: base64\r\n";
        const std::string header =
            "X: " + std::string(fields - 5 - cte.size(), 'h') + "\r\n" + cte + "\r\n";
        const std::string body =
            "--B\r\n" + header + "ZGF0YQ==\r\n--B\r\n" + header + "ZGF0YQ==\r\n--B--\r\n";
        MimeParser p(limits(64), "B");
        Parts h;
        h.parser = &p;
        p.feed(test::u8(body), body.size(), h);
        p.finish(h);
        return std::make_pair(p.headerOverflows(), h.out);
    };
    EXPECT_EQ(run(63), std::make_pair(uint64_t{0}, std::string("[data][data]")));
    EXPECT_EQ(run(64), std::make_pair(uint64_t{0}, std::string("[data][data]")));
    EXPECT_EQ(run(65), std::make_pair(uint64_t{2}, std::string("[ZGF0YQ==][ZGF0YQ==]")));
}

// Nested multiparts are split down to the depth bound (http.max-multipart-depth); one level
// deeper is decoded as one part, boundaries and all, and counted.
TEST(MimeParserMultipartBody, NestedMultipartAtTheDepthBound) {
    const std::string body = "--A\r\nContent-Type: multipart/mixed; boundary=I\r\n\r\n"
                             "--I\r\n\r\ninner\r\n--I--\r\n--A\r\n\r\nouter\r\n--A--\r\n";
    const auto run = [&](uint32_t depth) {
        MimeParser p(limits(16 * 1024, depth), "A");
        Parts h;
        h.parser = &p;
        p.feed(test::u8(body), body.size(), h);
        p.finish(h);
        return std::make_pair(p.depthOverflows(), h.out);
    };
    EXPECT_EQ(run(2), std::make_pair(uint64_t{0}, std::string("[inner][outer]")));
    EXPECT_EQ(run(1),
              std::make_pair(uint64_t{1}, std::string("[--I\r\n\r\ninner\r\n--I--][outer]")));
}

// Parses `before`, loses `missing` bytes, parses `after`, finishes.
std::string parseWithGap(std::string_view before, uint64_t missing, std::string_view after,
                         std::string_view boundary) {
    MimeParser p(limits(), boundary);
    Parts h;
    h.parser = &p;
    p.feed(test::u8(before), before.size(), h);
    p.gap(missing, h);
    p.feed(test::u8(after), after.size(), h);
    p.finish(h);
    EXPECT_FALSE(h.open);
    return h.out;
}

// A hole inside an identity part: the part takes the gap and goes on; the next part follows.
TEST(MimeParserMultipartBody, GapInIdentityPartContinuesThePart) {
    EXPECT_EQ(parseWithGap("--B\r\n\r\nfirst half", 7, " second\r\n--B\r\n\r\ntwo\r\n--B--", "B"),
              "[first half<gap 7> second][two]");
}

// A hole that ends at a line start: the delimiter right after it is recognised.
TEST(MimeParserMultipartBody, DelimiterRightAfterTheHoleEndsThePart) {
    EXPECT_EQ(parseWithGap("--B\r\n\r\nfirst", 9, "--B\r\n\r\ntwo\r\n--B--", "B"),
              "[first<gap 9>][two]");
}

// A delimiter prefix held when the hole comes is dropped: it cannot be completed across it.
TEST(MimeParserMultipartBody, GapDropsAHeldDelimiterPrefix) {
    EXPECT_EQ(parseWithGap("--B\r\n\r\nabc\r\n-", 3, "xyz\r\n--B\r\n\r\ntwo\r\n--B--", "B"),
              "[abc<gap 3>xyz][two]");
}

// A base64 part cannot go on mid-line after a hole (its alignment is lost): the rest of the
// cut line is skipped and the part goes on at the next line; a delimiter may also begin right
// after the hole.
TEST(MimeParserMultipartBody, GapInBase64PartSkipsTheCutLineAndGoesOn) {
    const std::string head = "--B\r\nContent-Transfer-Encoding: base64\r\n\r\nU2VjcmV0";
    EXPECT_EQ(parseWithGap(head, 5, "c2VjcmV0\r\nTW9yZQ==\r\n--B\r\n\r\ntwo\r\n--B--", "B"),
              "[Secret<gap 5>More][two]");
    EXPECT_EQ(parseWithGap(head, 5, "--B\r\n\r\ntwo\r\n--B--", "B"), "[Secret<gap 5>][two]");
}

// A hole in a part's headers: the cut field is dropped, the section goes on and the part is
// decoded (with what its remaining fields say); the next part follows.
TEST(MimeParserMultipartBody, GapInPartHeadersDropsTheCutFieldAndGoesOn) {
    EXPECT_EQ(parseWithGap("--B\r\nContent-Disp", 10,
                           "ition: x\r\n\r\nkept\r\n--B\r\n\r\ntwo\r\n--B--", "B"),
              "[kept][two]");
}

// A line after a hole that starts like a delimiter but is not one ("--B" then more) is, in a
// base64 part, the rest of a cut line like any other: skipped, whatever the split of the input
// (a fuzzer found the split-dependent case).
TEST(MimeParserMultipartBody, DelimiterLookalikeAfterAHoleInABase64PartIsSkipped) {
    const std::string head = "--B\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    const std::string after = "--BZGeh\r\nU2VjcmV0\r\n--B--";
    EXPECT_EQ(parseWithGap(head, 7, after, "B"), "[<gap 7>Secret]");
    for (size_t split = 1; split < after.size(); ++split) {
        MimeParser p(limits(), "B");
        Parts h;
        h.parser = &p;
        p.feed(test::u8(head), head.size(), h);
        p.gap(7, h);
        p.feed(test::u8(after), split, h);
        p.feed(test::u8(after) + split, after.size() - split, h);
        p.finish(h);
        EXPECT_EQ(h.out, "[<gap 7>Secret]") << "split at " << split;
    }
}

// A hole that cuts a part's header section and ends at a line start: the delimiter right after
// it is recognised, so the next part is read with its own headers (not the cut part's encoding
// and file name).
TEST(MimeParserMultipartBody, DelimiterRightAfterAHoleInPartHeaders) {
    std::vector<std::string> names;
    MimeParser p(limits(), "B");
    Parts h;
    h.parser = &p;
    const std::string before = "--B\r\nContent-Transfer-Encoding: base64\r\n"
                               "Content-Disposition: form-data; filename=\"old.bin\"\r\nX-Cut: ab";
    const std::string after = "--B\r\n\r\nplain secret text\r\n--B--\r\n";
    p.feed(test::u8(before), before.size(), h);
    p.gap(9, h);
    p.feed(test::u8(after), after.size(), h);
    p.finish(h);
    EXPECT_EQ(h.out, "[plain secret text]");
    EXPECT_EQ(h.names, (std::vector<std::string>{""}));
}

// A hole between parts (in the preamble): the delimiter after it is found.
TEST(MimeParserMultipartBody, GapInThePreambleThenTheFirstPart) {
    EXPECT_EQ(parseWithGap("preamble", 4, "more\r\n--B\r\n\r\none\r\n--B--", "B"), "[one]");
    EXPECT_EQ(parseWithGap("preamble\r\n", 4, "--B\r\n\r\none\r\n--B--", "B"), "[one]");
}

} // namespace
} // namespace egressmon::dpi
