#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/decode/mime/mime_header.h"
#include "dpi/decode/mime/mime_parser.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

struct Leaves : MimeHandler {
    std::string out;
    bool open = false;
    void partData(MimeEncoding e, const uint8_t* d, size_t n) override {
        if (!open)
            out += e == MimeEncoding::Base64     ? "[b64:"
                   : e == MimeEncoding::Identity ? "[id:"
                                                 : "[qp:";
        open = true;
        out.append(reinterpret_cast<const char*>(d), n);
    }
    void partEnd() override {
        out += open ? "]" : "[]";
        open = false;
    }
    void partGap(uint64_t missing) override {
        if (!open) out += "[";
        open = true;
        out += "<gap " + std::to_string(missing) + ">";
    }
};

std::string parse(const std::vector<std::string_view>& pieces, const MimeLimits& limits = {}) {
    MimeParser p(limits);
    Leaves h;
    for (const auto piece : pieces)
        p.feed(test::u8(piece), piece.size(), h);
    p.finish(h);
    return h.out;
}

TEST(MimeHeader, ContentTypeAndEncoding) {
    MimeEntityInfo info;
    applyMimeHeaderField("Content-Type: Multipart/Mixed; charset=x; Boundary=\"a b;c\"", info);
    EXPECT_TRUE(info.multipart);
    EXPECT_EQ(info.boundary, "a b;c");
    applyMimeHeaderField("CONTENT-TRANSFER-ENCODING:  Quoted-Printable ", info);
    EXPECT_EQ(info.encoding, MimeEncoding::QuotedPrintable);
    applyMimeHeaderField("Content-Type: multipart/mixed", info); // no boundary: a leaf
    EXPECT_FALSE(info.multipart);
    applyMimeHeaderField("Content-Type: text/plain; boundary=x", info);
    EXPECT_FALSE(info.multipart);
    EXPECT_EQ(mimeParam("a/b; x=\"1;2\"; y=3", "y"), "3");
    EXPECT_EQ(mimeParam("a/b; x=1", "y"), "");
}

const std::string kMessage = "Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
                             "--zz\r\n\r\nempty headers part\r\n\r\n"
                             "--zz \r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n"
                             "--zz\r\nX: 1\r\n--zz\r\n\r\n\r\nlast\r\r\n"
                             "--zz--\r\nepilogue --zz\r\n";

TEST(MimeParser, PartsPaddingAndDelimiterInHeaders) {
    EXPECT_EQ(parse({kMessage}), "[id:empty headers part\r\n][b64:hi][id:\r\nlast\r]");
}

TEST(MimeParser, SplitEverywhere) {
    test::expectSplitInvariant(
        kMessage, [](const std::vector<std::string_view>& pieces) { return parse(pieces); });
}

TEST(MimeParser, TruncatedLeafIsFlushedAtFinish) {
    EXPECT_EQ(parse({"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n\r\nab\r\n--z"}),
              "[id:ab\r\n--z]");
}

TEST(MimeParser, HeaderSectionBound) {
    MimeLimits limits;
    limits.max_header_bytes = 30;
    MimeParser p(limits);
    Leaves h;
    const std::string in = "X-Pad: 0123456789012345678901234567890\r\n"
                           "Content-Transfer-Encoding: base64\r\n\r\naGk=\r\n";
    p.feed(test::u8(in), in.size(), h);
    p.finish(h);
    EXPECT_EQ(h.out, ""); // the encoding came past the bound: ignored, identity: no leaf
    EXPECT_EQ(p.headerOverflows(), 1u);
}

TEST(MimeParser, LineAndDepthBoundsAreCounted) {
    const auto overflows = [](std::string_view in, const MimeLimits& limits) {
        MimeParser p(limits);
        Leaves h;
        p.feed(test::u8(in), in.size(), h);
        p.finish(h);
        return std::make_pair(p.lineOverflows(), p.depthOverflows());
    };
    MimeLimits limits;
    limits.max_line_bytes = 10;
    EXPECT_EQ(overflows("X: 1234567\r\n\r\nbody", limits).first, 0u);  // 10 bytes
    EXPECT_EQ(overflows("X: 12345678\r\n\r\nbody", limits).first, 1u); // 11 bytes
    EXPECT_EQ(overflows("X: 12345678\n\r\nbody", limits).first, 1u);
    const std::string nested = "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n"
                               "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n"
                               "in\r\n--b--\r\n--a--\r\n";
    limits = MimeLimits{};
    limits.max_depth = 2;
    EXPECT_EQ(overflows(nested, limits).second, 0u);
    limits.max_depth = 1;
    EXPECT_EQ(overflows(nested, limits).second, 1u);
}

// Pieces with gaps between them: after each of `pieces` but the last, a gap of 7 bytes.
std::string parseWithGaps(const std::vector<std::string_view>& pieces) {
    MimeParser p(MimeLimits{});
    Leaves h;
    for (size_t i = 0; i < pieces.size(); ++i) {
        p.feed(test::u8(pieces[i]), pieces[i].size(), h);
        if (i + 1 < pieces.size()) p.gap(7, h);
    }
    p.finish(h);
    return h.out;
}

TEST(MimeParser, GapInABase64LeafResumesAtTheNextLine) {
    // "aGVsbG8g" "d29ybGQh" = "hello " "world!"; the hole cuts the second line, whose partial
    // quantum is dropped with the rest of it; the third line decodes.
    const std::string head = "Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\n";
    EXPECT_EQ(parseWithGaps({head + "aGVsbG8g\r\nd29y", "bGQh\r\nYWZ0ZXI=\r\n--q--\r\n"}),
              "[b64:hello wor<gap 7>after]");
    EXPECT_EQ(parseWithGaps({head + "aGVsbG8g\r\nd2", "\r\nYWZ0ZXI=\r\n--q--\r\n"}),
              "[b64:hello <gap 7>after]");
}

TEST(MimeParser, GapKeepsDelimitersRecognised) {
    const std::string head = "Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\r\n";
    // A hole in an identity leaf's line: the leaf goes on with the bytes after it; then the
    // delimiter and a part decoded normally.
    EXPECT_EQ(parseWithGaps({head + "one two", " three\r\n--q\r\n"
                                               "Content-Transfer-Encoding: quoted-printable\r\n"
                                               "\r\nx=3Dy\r\n--q--\r\n"}),
              "[id:one two<gap 7> three][qp:x=y]");
    // A hole that cuts a held delimiter start: the held bytes go, the next delimiter is found.
    EXPECT_EQ(parseWithGaps({head + "a\r\n--", "junk\r\n--q\r\n\r\nb\r\n--q--\r\n"}),
              "[id:a<gap 7>junk][id:b]");
    // In a preamble, and in the epilogue: nothing to say.
    EXPECT_EQ(parseWithGaps({"Content-Type: multipart/mixed; boundary=q\r\n\r\npre",
                             "amble\r\n--q\r\n\r\nc\r\n--q--\r\nepi", "logue"}),
              "[id:c]");
}

TEST(MimeParser, GapInAHeaderSectionDropsTheCutField) {
    // The hole cuts the encoding field: the part is read as identity; the section goes on.
    EXPECT_EQ(parseWithGaps({"Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n"
                             "Content-Transfer-Encoding: ba",
                             "se64\r\nX: 1\r\n\r\naGk=\r\n--q--\r\n"}),
              "[id:aGk=]");
}

} // namespace
} // namespace egressmon::dpi
