#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base64_encode.h"
#include "dpi/decode/smtp/smtp_decoder.h"
#include "http_test_support.h"
#include "smtp_test_support.h"

namespace egressmon::dpi {
namespace test {

struct SmtpRun {
    Layers layers;
    SmtpDecoderCounters counters;
    bool stopped = false;
};

inline SmtpRun runSmtp(const std::vector<std::string_view>& pieces, bool end = true,
                       const SmtpDecoderLimits& limits = SmtpDecoderLimits()) {
    SmtpRun r;
    RecordingSink sink;
    SmtpDecoder d(limits, r.counters);
    for (const auto piece : pieces)
        d.onData(u8(piece), static_cast<uint32_t>(piece.size()), sink);
    if (end) {
        d.onEnd(sink);
        EXPECT_EQ(sink.openCount(), 0u);
    }
    r.layers = sink.layers;
    r.stopped = d.stopped();
    return r;
}

inline SmtpRun runSmtp(std::string_view whole) {
    return runSmtp(std::vector<std::string_view>{whole});
}

// Layers and counters as one comparable string.
inline std::string describe(const SmtpRun& r) {
    std::string s;
    for (const auto& [name, bytes] : r.layers)
        s += name + "[" + std::to_string(bytes.size()) + "]" + bytes + "\n";
    const auto& c = r.counters;
    s += "messages=" + std::to_string(c.messages) + " parts=" + std::to_string(c.mime_parts) +
         " tls=" + std::to_string(c.starttls) + " errors=" + std::to_string(c.parse_errors) +
         " gaps=" + std::to_string(c.gaps);
    return s;
}

using egressmon::test::base64Encode;

} // namespace test

namespace {

using test::Layers;
using test::runSmtp;

// The message is the root of its layer tree: each MIME part's layer names the message layer as
// its parent and carries the part's file name; an empty message gives no layer.
TEST(SmtpDecoderLayers, PartsNameTheirParentAndFile) {
    const std::string msg =
        "EHLO x\r\nDATA\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nbody\r\n"
        "--b\r\nContent-Disposition: attachment; filename=\"plan.txt\"\r\n\r\nsecret\r\n--b--\r\n"
        ".\r\nDATA\r\n.\r\n";
    test::RecordingSink sink;
    SmtpDecoderCounters counters;
    SmtpDecoder d(SmtpDecoderLimits(), counters);
    d.onData(test::u8(msg), static_cast<uint32_t>(msg.size()), sink);
    d.onEnd(sink);
    ASSERT_EQ(sink.layers.size(), 3u); // the second, empty message opened none
    EXPECT_EQ(sink.layers[0].first, "smtp.data");
    EXPECT_EQ(sink.layers[1], std::make_pair(std::string("smtp.mime.part"), std::string("body")));
    EXPECT_EQ(sink.layers[2], std::make_pair(std::string("smtp.mime.part"), std::string("secret")));
    EXPECT_EQ(sink.parentIndex(1), 0);
    EXPECT_EQ(sink.parentIndex(2), 0);
    EXPECT_EQ(sink.file_names, (std::vector<std::string>{"", "", "plan.txt"}));
    EXPECT_EQ(counters.messages, 2u);
    EXPECT_EQ(sink.openCount(), 0u);
}

// What Outlook and Chinese mail clients send: a folded RFC 2047 name, an RFC 2231 GBK name.
TEST(SmtpDecoderLayers, PartFileNamesAreDecodedToUtf8) {
    const std::string msg =
        "EHLO x\r\nDATA\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: application/octet-stream;\r\n\tname=\"=?UTF-8?B?57ud5a+G?=\r\n"
        " =?UTF-8?B?6K6h5YiS?=.docx\"\r\n\r\none\r\n--b\r\n"
        "Content-Disposition: attachment;\r\n filename*=GBK''%BB%FA%C3%DC.txt\r\n\r\ntwo\r\n"
        "--b--\r\n.\r\n";
    test::RecordingSink sink;
    SmtpDecoderCounters counters;
    SmtpDecoder d(SmtpDecoderLimits(), counters);
    d.onData(test::u8(msg), static_cast<uint32_t>(msg.size()), sink);
    d.onEnd(sink);
    EXPECT_EQ(sink.file_names, (std::vector<std::string>{"", "绝密计划.docx", "机密.txt"}));
}

const char kAttachmentBytes[] = "SECRET attachment data\0\x01\xff tail";
const std::string kAttachment(kAttachmentBytes, sizeof kAttachmentBytes - 1);

// Pipelined commands, a nested multipart with QP, 7bit and base64 leaves, dot-stuffing.
std::string complexSession() {
    return "EHLO client.example\r\n"
           "MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\n"
           "From: a@x.example\r\n"
           "Subject: report\r\n"
           "MIME-Version: 1.0\r\n"
           "content-type: multipart/mixed;\r\n"
           "\tboundary=\"outer=_1\"\r\n"
           "\r\n"
           "preamble --outer=_1 not at line start\r\n"
           "--outer=_1\r\n"
           "Content-Type: multipart/alternative; boundary=inner42\r\n"
           "\r\n"
           "--inner42\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n"
           "\r\n"
           "caf=C3=A9 is a soft=\r\n"
           " break line\r\n"
           "..dot stuffed line\r\n"
           "--inner42\r\n"
           "Content-Type: text/html\r\n"
           "\r\n"
           "<p>hi</p>\r\n"
           "--inner42x is content\r\n"
           "--inner42-x too\r\n"
           "--inner42--\r\n"
           "--outer=_1\r\n"
           "Content-Type: application/octet-stream\r\n"
           "Content-Transfer-Encoding: BASE64\r\n"
           "\r\n" +
           test::base64Encode(kAttachment, 20) +
           "--outer=_1--\r\n"
           "epilogue\r\n"
           ".\r\n"
           "QUIT\r\n";
}

TEST(SmtpDecoder, PlainMessageWithDotStuffing) {
    const auto r = runSmtp("HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\ndata\r\n"
                           "Subject: hi\r\n\r\n..leading dot\r\n.\r\n"
                           "...two\r\nend\r\n.\r\nQUIT\r\n");
    ASSERT_EQ(r.layers.size(), 1u);
    EXPECT_EQ(r.layers[0].first, "smtp.data");
    EXPECT_EQ(r.layers[0].second, "Subject: hi\r\n\r\n.leading dot\r\n");
    EXPECT_EQ(r.counters.messages, 1u);
    EXPECT_EQ(r.counters.mime_parts, 0u);
}

TEST(SmtpDecoder, DotStuffingAndTerminatorWithBareLf) {
    const auto r = runSmtp("HELO x\nDATA\nline\n..dot\n.\nQUIT\n");
    ASSERT_EQ(r.layers.size(), 1u);
    EXPECT_EQ(r.layers[0].second, "line\n.dot\n");
}

TEST(SmtpDecoder, TwoMessagesInOneSession) {
    const auto r = runSmtp("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\none\r\n.\r\n"
                           "RSET\r\nMAIL FROM:<a@b>\r\nRCPT TO:<e@f>\r\nDATA\r\ntwo\r\n.\r\n");
    ASSERT_EQ(r.layers.size(), 2u);
    EXPECT_EQ(r.layers[0], (std::pair<std::string, std::string>("smtp.data", "one\r\n")));
    EXPECT_EQ(r.layers[1], (std::pair<std::string, std::string>("smtp.data", "two\r\n")));
    EXPECT_EQ(r.counters.messages, 2u);
}

TEST(SmtpDecoder, PipelinedCommandsInOnePiece) {
    const auto r = runSmtp("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\n"
                           "DATA\r\nbody\r\n.\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
                           "second\r\n.\r\nQUIT\r\n");
    ASSERT_EQ(r.layers.size(), 2u);
    EXPECT_EQ(r.layers[0].second, "body\r\n");
    EXPECT_EQ(r.layers[1].second, "second\r\n");
    EXPECT_FALSE(r.stopped && r.counters.parse_errors > 0);
}

TEST(SmtpDecoder, BdatChunksMakeOneMessage) {
    const std::string body =
        "Content-Transfer-Encoding: base64\r\n\r\n" + test::base64Encode("hello bdat world", 8);
    const std::string a = body.substr(0, 20), b = body.substr(20);
    const std::string in = "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT " +
                           std::to_string(a.size()) + "\r\n" + a + "bdat " +
                           std::to_string(b.size()) + " last\r\n" + b + "BDAT 3 LAST\r\n.\r\n";
    const auto r = runSmtp(in);
    ASSERT_EQ(r.layers.size(), 3u);
    EXPECT_EQ(r.layers[0], (std::pair<std::string, std::string>("smtp.data", body)));
    EXPECT_EQ(r.layers[1],
              (std::pair<std::string, std::string>("smtp.mime.base64", "hello bdat world")));
    // A second message of three bytes, ".\r\n" not being a terminator in BDAT.
    EXPECT_EQ(r.layers[2], (std::pair<std::string, std::string>("smtp.data", ".\r\n")));
    EXPECT_EQ(r.counters.messages, 2u);
    EXPECT_EQ(r.counters.mime_parts, 1u);
}

TEST(SmtpDecoder, BdatZeroLastEndsMessage) {
    const auto r = runSmtp("EHLO x\r\nBDAT 4\r\nabcdBDAT 0 LAST\r\nQUIT\r\n");
    ASSERT_EQ(r.layers.size(), 1u);
    EXPECT_EQ(r.layers[0].second, "abcd");
}

TEST(SmtpDecoder, MalformedBdatIsParseError) {
    const auto r = runSmtp("EHLO x\r\nBDAT lots\r\nabcd");
    EXPECT_EQ(r.counters.parse_errors, 1u);
    EXPECT_TRUE(r.stopped);
}

TEST(SmtpDecoder, MultipartLeavesDecoded) {
    const auto r = runSmtp(complexSession());
    const Layers expected = {
        {"smtp.data", ""}, // checked below
        {"smtp.mime.qp", "caf\xc3\xa9 is a soft break line\r\n.dot stuffed line"},
        {"smtp.mime.part", "<p>hi</p>\r\n--inner42x is content\r\n--inner42-x too"},
        {"smtp.mime.base64", kAttachment},
    };
    ASSERT_EQ(r.layers.size(), expected.size());
    for (size_t i = 1; i < expected.size(); ++i)
        EXPECT_EQ(r.layers[i], expected[i]) << i;
    EXPECT_EQ(r.layers[0].first, "smtp.data");
    EXPECT_EQ(r.layers[0].second.find("Subject: report\r\n"), 19u);
    EXPECT_NE(r.layers[0].second.find("\r\n.dot stuffed line\r\n"), std::string::npos);
    EXPECT_EQ(r.layers[0].second.substr(r.layers[0].second.size() - 10), "epilogue\r\n");
    EXPECT_EQ(r.counters.messages, 1u);
    EXPECT_EQ(r.counters.mime_parts, 3u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
}

TEST(SmtpDecoder, NonMultipartBase64Body) {
    const std::string secret = "Top secret: 4111 1111 1111 1111, more text to wrap lines";
    const auto r = runSmtp("EHLO x\r\nDATA\r\nContent-Type: text/plain\r\n"
                           "Content-Transfer-Encoding:\r\n base64\r\n\r\n" +
                           test::base64Encode(secret, 16) + ".\r\n");
    ASSERT_EQ(r.layers.size(), 2u);
    EXPECT_EQ(r.layers[1], (std::pair<std::string, std::string>("smtp.mime.base64", secret)));
    EXPECT_EQ(r.counters.mime_parts, 1u);
}

TEST(SmtpDecoder, NonMultipartQpBodyAndPlainBodyGivesNoPart) {
    auto r = runSmtp("EHLO x\r\nDATA\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                     "a=\r\nb=3D=\nc\r\n.\r\n");
    ASSERT_EQ(r.layers.size(), 2u);
    EXPECT_EQ(r.layers[1], (std::pair<std::string, std::string>("smtp.mime.qp", "ab=c")));
    r = runSmtp("EHLO x\r\nDATA\r\nContent-Type: text/plain\r\n\r\nplain\r\n.\r\n");
    ASSERT_EQ(r.layers.size(), 1u);
}

TEST(SmtpDecoder, StarttlsStops) {
    const auto r = runSmtp("EHLO x\r\nSTARTTLS\r\n\x16\x03\x01\x02\x00 tls bytes DATA\r\n");
    EXPECT_TRUE(r.layers.empty());
    EXPECT_EQ(r.counters.starttls, 1u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
    EXPECT_TRUE(r.stopped);
}

TEST(SmtpDecoder, EndClosesOpenMessage) {
    const auto r = runSmtp("EHLO x\r\nDATA\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8");
    ASSERT_EQ(r.layers.size(), 2u);
    EXPECT_EQ(r.layers[1].second, "hello");
}

TEST(SmtpDecoder, BinaryGarbageIsParseError) {
    const auto r = runSmtp("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03");
    EXPECT_EQ(r.counters.parse_errors, 1u);
    EXPECT_TRUE(r.stopped);
    EXPECT_TRUE(r.layers.empty());
}

TEST(SmtpDecoder, NonSmtpTextIsParseError) {
    const auto r = runSmtp("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(r.counters.parse_errors, 1u);
    EXPECT_TRUE(r.stopped);
}

TEST(SmtpDecoder, AuthContinuationLinesAreIgnored) {
    const auto r = runSmtp("EHLO x\r\nAUTH LOGIN\r\ndXNlcg==\r\ncGFzcw==\r\nDATA\r\nx\r\n.\r\n");
    EXPECT_EQ(r.counters.parse_errors, 0u);
    ASSERT_EQ(r.layers.size(), 1u);
    EXPECT_EQ(r.layers[0].second, "x\r\n");
}

TEST(SmtpDecoder, LongLinesAreTruncatedButFramed) {
    SmtpDecoderLimits limits;
    limits.max_line_bytes = 16;
    limits.max_header_bytes = 64;
    const std::string long_cmd = "RCPT TO:<" + std::string(100, 'r') + ">\r\n";
    const std::string in = "EHLO x\r\n" + long_cmd + "DATA\r\nX-Long: " + std::string(200, 'h') +
                           "\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n.\r\n";
    const auto r = runSmtp(std::vector<std::string_view>{in}, true, limits);
    EXPECT_EQ(r.counters.parse_errors, 0u);
    ASSERT_EQ(r.layers.size(), 1u); // the CTE field came past max_header_bytes: ignored
    EXPECT_EQ(r.counters.messages, 1u);
}

TEST(SmtpDecoder, NestingDeeperThanTheBoundIsALeaf) {
    SmtpDecoderLimits limits;
    limits.max_mime_depth = 1;
    const auto r = runSmtp({"EHLO x\r\nDATA\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n"
                            "--a\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n"
                            "in\r\n--b--\r\n--a--\r\n.\r\n"},
                           true, limits);
    ASSERT_EQ(r.layers.size(), 2u);
    EXPECT_EQ(r.layers[1],
              (std::pair<std::string, std::string>("smtp.mime.part", "--b\r\n\r\nin\r\n--b--")));
}

// smtp.max-line-bytes: a line of exactly the bound (CRLF or LF not counted) is whole; one byte
// more is cut and counted, once per line, for command and MIME header lines alike.
TEST(SmtpDecoder, LineBoundIsCountedJustAbove) {
    SmtpDecoderLimits limits;
    limits.max_line_bytes = 16;
    const std::string at = "NOOP " + std::string(11, 'x'); // 16 bytes
    const std::string above = at + "y";
    const auto run = [&](const std::vector<std::string_view>& pieces) {
        return runSmtp(pieces, true, limits).counters.line_too_long;
    };
    EXPECT_EQ(run({"EHLO x\r\n" + at + "\r\n" + at + "\n"}), 0u);
    EXPECT_EQ(run({"EHLO x\r\n", at, "\r", "\n", at.substr(0, 15) + "\r\n"}), 0u);
    EXPECT_EQ(run({"EHLO x\r\n" + above + "\r\n"}), 1u);
    EXPECT_EQ(run({"EHLO x\r\n" + above + "\n"}), 1u);
    EXPECT_EQ(run({"EHLO x\r\n" + above + std::string(100, 'z') + "\r\n"}), 1u);
    // MIME header lines: "X-A: " + 11 bytes is at the bound; a folded field past it is cut.
    const auto mime = [&](const std::string& headers) {
        return run({"EHLO x\r\nDATA\r\n" + headers + "\r\nbody\r\n.\r\n"});
    };
    EXPECT_EQ(mime("X-A: 0123456789a\r\n"), 0u);
    EXPECT_EQ(mime("X-A: 0123456789ab\r\n"), 1u);
    EXPECT_EQ(mime("X-A: 01234\r\n 56789\r\n"), 0u);        // unfolded: 16 bytes
    EXPECT_EQ(mime("X-A: 01234\r\n 567890\r\n"), 1u);       // unfolded: 17 bytes
    EXPECT_EQ(mime("X-A: 01234\r\n 567890\r\n 1\r\n"), 1u); // once per field
}

// smtp.max-header-bytes: a MIME header section (its lines with their terminators) of exactly
// the bound is read whole; one byte more and the fields past the bound are ignored, counted.
TEST(SmtpDecoder, HeaderSectionBoundIsCountedJustAbove) {
    SmtpDecoderLimits limits;
    limits.max_header_bytes = 64;
    const auto run = [&](size_t section) {
        const std::string cte = "Content-Transfer-Encoding: base64\r\n"; // 35 bytes
        const std::string pad = "X: " + std::string(section - cte.size() - 5, 'p') + "\r\n";
        return runSmtp({"EHLO x\r\nDATA\r\n" + pad + cte + "\r\naGk=\r\n.\r\n"}, true, limits);
    };
    const auto below = run(63), at = run(64), above = run(65);
    EXPECT_EQ(below.counters.header_too_large, 0u);
    EXPECT_EQ(at.counters.header_too_large, 0u);
    ASSERT_EQ(at.layers.size(), 2u);
    EXPECT_EQ(at.layers[1], (std::pair<std::string, std::string>("smtp.mime.base64", "hi")));
    EXPECT_EQ(above.counters.header_too_large, 1u);
    EXPECT_EQ(above.layers.size(), 1u); // the encoding came past the bound: no leaf
    EXPECT_EQ(above.counters.parse_errors, 0u);
}

// smtp.max-mime-depth: multiparts nested exactly to the bound are split; one level deeper is
// decoded as one leaf and counted.
TEST(SmtpDecoder, MimeDepthBoundIsCountedJustAbove) {
    const std::string msg = "EHLO x\r\nDATA\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n"
                            "--a\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n"
                            "in\r\n--b--\r\n--a--\r\n.\r\n"; // depth 2
    for (const uint32_t depth : {1u, 2u, 3u}) {
        SmtpDecoderLimits limits;
        limits.max_mime_depth = depth;
        const auto r = runSmtp({msg}, true, limits);
        EXPECT_EQ(r.counters.mime_too_deep, depth < 2 ? 1u : 0u) << depth;
        ASSERT_EQ(r.layers.size(), 2u);
        EXPECT_EQ(r.layers[1].second, depth < 2 ? "--b\r\n\r\nin\r\n--b--" : "in") << depth;
    }
}

TEST(SmtpDecoderSplit, ComplexSessionEverywhere) {
    const std::string in = complexSession();
    const std::string whole =
        test::expectSplitInvariant(in, [](const std::vector<std::string_view>& pieces) {
            return test::describe(runSmtp(pieces));
        });
    EXPECT_NE(whole.find("smtp.mime.base64"), std::string::npos);
    EXPECT_NE(whole.find("parts=3"), std::string::npos);
}

TEST(SmtpDecoderSplit, BdatAndBareLfEverywhere) {
    const std::string in = "ehlo x\nBDAT 7\nab\r\n.\r\nBDAT 2 LAST\ncdDATA\n"
                           "Content-Type: multipart/mixed; boundary=\"q\"\n\n--q\n"
                           "Content-Transfer-Encoding: quoted-printable\n\nx=3D=\ny=\n\n--q--\n.\n";
    const std::string whole =
        test::expectSplitInvariant(in, [](const std::vector<std::string_view>& pieces) {
            return test::describe(runSmtp(pieces));
        });
    EXPECT_NE(whole.find("smtp.mime.qp[3]x=y\n"), std::string::npos) << whole;
}

} // namespace
} // namespace egressmon::dpi
