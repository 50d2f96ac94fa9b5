// SmtpDecoder after bytes lost under the stream: it resynchronises (next line inside DATA, the
// BDAT count, the next plausible command otherwise) instead of stopping for the session.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base64_encode.h"
#include "smtp_test_support.h"

namespace egressmon::dpi {
namespace {

using test::client;
using test::hole;
using test::layerBytes;
using test::runScript;

// A two-part message whose attachment is long enough to lose a packet in: base64 lines of 76
// characters (whole quanta), each decodable on its own.
std::string attachment() {
    std::string text;
    for (int i = 0; i < 40; ++i)
        text += "line " + std::to_string(i) + " of the attachment, padded to a fair length.\n";
    return text + "AFTER-THE-HOLE secret marker\n";
}

const std::string kHead = "EHLO ws.example\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\n"
                          "DATA\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                          "--b1\r\nContent-Type: application/pdf\r\n"
                          "Content-Transfer-Encoding: base64\r\n\r\n";
const std::string kTail = "--b1\r\nContent-Type: text/plain\r\n\r\nsecond part text\r\n"
                          "--b1--\r\n.\r\nQUIT\r\n";

TEST(SmtpResync, Base64AttachmentDecodesOnAfterAHoleInItsMiddle) {
    const std::string b64 = egressmon::test::base64Encode(attachment());
    const std::string msg = kHead + b64 + kTail;
    // Lose 300 bytes starting in the middle of the attachment's tenth line.
    const size_t cut = kHead.size() + 9 * 78 + 30;
    const auto r =
        runScript({client(msg.substr(0, cut)), hole(300), client(msg.substr(cut + 300))});
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(r.counters.gaps, 1u);
    EXPECT_EQ(r.counters.resyncs, 1u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
    const std::string decoded = layerBytes(r, "smtp.mime.base64");
    const size_t gap = decoded.find("<gap 300>");
    ASSERT_NE(gap, std::string::npos) << decoded;
    // Before the hole: the first nine lines whole (each 57 bytes decoded) and the tenth's start.
    EXPECT_EQ(decoded.substr(0, 9 * 57), attachment().substr(0, 9 * 57));
    // After it: from the next whole line on, byte for byte, the marker included.
    const std::string after = decoded.substr(gap + 9);
    const size_t resumed_line = (cut + 300 - kHead.size()) / 78 + 1;
    EXPECT_EQ(after, attachment().substr(resumed_line * 57));
    EXPECT_NE(after.find("AFTER-THE-HOLE secret marker"), std::string::npos);
    // The next part and the message's end are read normally.
    EXPECT_EQ(layerBytes(r, "smtp.mime.part"), "second part text");
    EXPECT_EQ(r.counters.messages, 1u);
    EXPECT_EQ(r.counters.mime_parts, 2u);
    // The message layer has the hole too.
    EXPECT_NE(layerBytes(r, "smtp.data").find("<gap 300>"), std::string::npos);
}

TEST(SmtpResync, HoleInsideAMimeHeaderThenTheNextPartIsDecoded) {
    const std::string msg =
        "EHLO x\r\nDATA\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
        "--zz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n"
        "\r\nfirst=3Dpart\r\n--zz\r\nContent-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" +
        egressmon::test::base64Encode("NEXT PART secret") + "--zz--\r\n.\r\n";
    // The hole takes the end of the first part's Content-Type line and the encoding field.
    const size_t cut = msg.find("text/plain") + 4;
    const size_t lost = msg.find("\r\n\r\nfirst") - cut;
    const auto r =
        runScript({client(msg.substr(0, cut)), hole(lost), client(msg.substr(cut + lost))});
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(r.counters.resyncs, 1u);
    // The first part lost its encoding field: a plain leaf. The second is decoded normally.
    EXPECT_EQ(layerBytes(r, "smtp.mime.part"), "first=3Dpart");
    EXPECT_EQ(layerBytes(r, "smtp.mime.base64"), "NEXT PART secret");
}

TEST(SmtpResync, QuotedPrintableResumesRightAfterTheHole) {
    const std::string msg = "EHLO x\r\nDATA\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                            "one=3D1 and a cut escape =4\r\ntwo=3D2\r\n.\r\n";
    const size_t cut = msg.find("=4") + 2;
    const auto r = runScript({client(msg.substr(0, cut)), hole(5), client(msg.substr(cut))});
    // The cut escape is dropped; decoding goes on with the bytes after the hole.
    EXPECT_EQ(layerBytes(r, "smtp.mime.qp"), "one=1 and a cut escape <gap 5>\r\ntwo=2");
}

TEST(SmtpResync, HoleInTheCommandPhaseThenASecondMessageIsDecoded) {
    const auto r = runScript({
        client("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\none\r\n.\r\nMAIL FR"),
        hole(40),
        client("d>\r\nbogus tail of a lost line\r\nRCPT TO:<e@f>\r\nDATA\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n" +
               egressmon::test::base64Encode("second secret message") + ".\r\nQUIT\r\n"),
    });
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(r.counters.gaps, 1u);
    EXPECT_EQ(r.counters.resyncs, 1u);
    EXPECT_EQ(r.counters.messages, 2u);
    EXPECT_EQ(layerBytes(r, "smtp.mime.base64"), "second secret message");
}

TEST(SmtpResync, HoleRightBeforeDataIsFoundAgain) {
    // The hole ends at a line start: the very next line is a command and is taken.
    const auto r = runScript({client("EHLO x\r\nMAIL FROM:<a@b>\r\n"), hole(15),
                              client("DATA\r\nbody after the hole\r\n.\r\n")});
    EXPECT_EQ(layerBytes(r, "smtp.data"), "body after the hole\r\n");
    EXPECT_EQ(r.counters.resyncs, 1u);
}

TEST(SmtpResync, DotLineRightAfterAHoleEndsTheMessage) {
    const auto r = runScript({client("EHLO x\r\nDATA\r\nfirst line\r\nsecond"), hole(10),
                              client(".\r\nDATA\r\nnext message\r\n.\r\n")});
    ASSERT_EQ(r.layers.size(), 2u);
    EXPECT_EQ(r.layers[0].second, "first line\r\nsecond<gap 10>");
    EXPECT_EQ(r.layers[1].second, "next message\r\n");
    EXPECT_EQ(r.counters.messages, 2u);
}

TEST(SmtpResync, HoleInsideABdatChunkIsFramedByItsCount) {
    const std::string chunk = "Subject: s\r\n\r\n0123456789ABCDEFGHIJ";
    const auto r = runScript({
        client("EHLO x\r\nBDAT " + std::to_string(chunk.size()) + " LAST\r\n" +
               chunk.substr(0, 10)),
        hole(5),
        client(chunk.substr(15) + "DATA\r\nnext\r\n.\r\n"),
    });
    ASSERT_EQ(r.layers.size(), 2u);
    EXPECT_EQ(r.layers[0].second, chunk.substr(0, 10) + "<gap 5>" + chunk.substr(15));
    EXPECT_EQ(r.layers[1].second, "next\r\n");
    EXPECT_EQ(r.counters.resyncs, 1u);
}

TEST(SmtpResync, HolePastABdatChunksEndResynchronisesOnCommands) {
    const auto r = runScript({client("EHLO x\r\nBDAT 10 LAST\r\n0123"), hole(12),
                              client("O:<x>\r\nDATA\r\nnext\r\n.\r\n")});
    ASSERT_EQ(r.layers.size(), 2u);
    EXPECT_EQ(r.layers[0].second, "0123<gap 6>");
    EXPECT_EQ(r.layers[1].second, "next\r\n");
}

// smtp.max-resync-bytes: lines skipped after the gap may reach the bound (the command found
// after them is not counted); one byte more stops decoding, counted, whatever the split.
TEST(SmtpResync, SkippedBytesAreBoundedJustAbove) {
    SmtpDecoderLimits limits;
    limits.max_resync_bytes = 64;
    limits.max_line_bytes = 512;
    const auto run = [&](size_t skipped, bool split) {
        const std::string junk = std::string(skipped - 2, 'j') + "\r\n"; // one line
        const std::string after = junk + "DATA\r\nlate body\r\n.\r\n";
        std::vector<test::SmtpStep> steps = {client("EHLO x\r\n"), hole(3)};
        if (split) {
            for (const char c : after)
                steps.push_back(client(std::string(1, c)));
        } else {
            steps.push_back(client(after));
        }
        return runScript(steps, true, limits);
    };
    for (const bool split : {false, true}) {
        const auto at = run(64, split), above = run(65, split);
        EXPECT_FALSE(at.stopped) << split;
        EXPECT_EQ(at.counters.resync_failures, 0u) << split;
        EXPECT_EQ(layerBytes(at, "smtp.data"), "late body\r\n") << split;
        EXPECT_TRUE(above.stopped) << split;
        EXPECT_EQ(above.counters.resync_failures, 1u) << split;
        EXPECT_TRUE(above.layers.empty()) << split;
    }
    // A line with no end is bounded too: once cut at max_line_bytes it is skipped, and decoding
    // stops as soon as it passes the bound.
    const auto endless =
        runScript({client("EHLO x\r\n"), hole(3), client(std::string(600, 'z'))}, true, limits);
    EXPECT_TRUE(endless.stopped);
    EXPECT_EQ(endless.counters.resync_failures, 1u);
}

TEST(SmtpResync, ProseIsNotTakenForACommand) {
    // After a hole that ate "DATA", message lines that start like verbs are skipped.
    const auto r = runScript({client("EHLO x\r\nRCPT TO:<a@b>\r\n"), hole(6),
                              client("Help is on the way\r\nData follows\r\nsend it\r\n.\r\n"
                                     "MAIL FROM:<a@b>\r\nDATA\r\nok\r\n.\r\n")});
    ASSERT_EQ(r.layers.size(), 1u);
    EXPECT_EQ(r.layers[0].second, "ok\r\n");
}

TEST(SmtpResync, GapAfterStopIsNotCounted) {
    const auto r = runScript({client("\x16\x03\x01"), hole(3)});
    EXPECT_EQ(r.counters.gaps, 0u);
    EXPECT_EQ(r.counters.parse_errors, 1u);
}

} // namespace
} // namespace egressmon::dpi
