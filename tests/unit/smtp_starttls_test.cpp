// STARTTLS followed: the server's reply (SmtpReplyDecoder, sharing an SmtpPairing with the
// client's SmtpDecoder) says whether TLS follows; with no reply known, the client's next bytes.

#include <string>

#include <gtest/gtest.h>

#include "smtp_test_support.h"

namespace egressmon::dpi {
namespace {

using test::client;
using test::layerBytes;
using test::runScript;
using test::server;

const std::string kBanner = "220 mx.example ESMTP\r\n";
const std::string kEhloReply = "250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n";
const std::string kTlsHello = std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
const std::string kClearMessage = "MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\n"
                                  "Subject: q3\r\n\r\nMARKED clear-text secret\r\n.\r\nQUIT\r\n";

TEST(SmtpStarttls, Refused454ThenTheClearTextMessageIsDecoded) {
    const auto r = runScript({server(kBanner), client("EHLO ws\r\n"), server(kEhloReply),
                              client("STARTTLS\r\n"), server("454 4.7.0 TLS not available\r\n"),
                              client(kClearMessage)});
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(r.counters.starttls, 0u);
    EXPECT_EQ(r.counters.starttls_refused, 1u);
    EXPECT_EQ(layerBytes(r, "smtp.data"), "Subject: q3\r\n\r\nMARKED clear-text secret\r\n");
    EXPECT_EQ(r.counters.reply_errors, 0u);
}

TEST(SmtpStarttls, Accepted220ThenTlsStops) {
    const auto r = runScript({server(kBanner), client("EHLO ws\r\n"), server(kEhloReply),
                              client("STARTTLS\r\n"), server("220 2.0.0 Ready to start TLS\r\n"),
                              client(kTlsHello), server(kTlsHello)});
    EXPECT_TRUE(r.stopped);
    EXPECT_TRUE(r.reply_stopped); // the server's TLS is not taken for bad replies
    EXPECT_EQ(r.counters.starttls, 1u);
    EXPECT_EQ(r.counters.starttls_refused, 0u);
    EXPECT_EQ(r.counters.reply_errors, 0u);
    EXPECT_TRUE(r.layers.empty());
}

TEST(SmtpStarttls, AKnownAcceptanceWinsOverClearLookingBytes) {
    // 220 known: what follows is TLS, whatever it looks like.
    const auto r =
        runScript({server(kBanner), client("EHLO ws\r\n"), server(kEhloReply),
                   client("STARTTLS\r\n"), server("220 go ahead\r\n"), client(kClearMessage)});
    EXPECT_TRUE(r.stopped);
    EXPECT_EQ(r.counters.starttls, 1u);
    EXPECT_TRUE(r.layers.empty());
}

TEST(SmtpStarttls, NoReplyKnownAndClearCommandsAreDecoded) {
    // The server direction is not decoded at all.
    const auto r = runScript({client("EHLO ws\r\nSTARTTLS\r\n"), client(kClearMessage)}, false);
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(r.counters.starttls_refused, 1u);
    EXPECT_EQ(r.counters.starttls, 0u);
    EXPECT_EQ(layerBytes(r, "smtp.data"), "Subject: q3\r\n\r\nMARKED clear-text secret\r\n");
}

TEST(SmtpStarttls, NoReplyKnownAndATlsRecordStops) {
    const auto r = runScript({client("EHLO ws\r\nSTARTTLS\r\n"), client(kTlsHello),
                              client("\r\nDATA\r\nnot decoded\r\n.\r\n")},
                             false);
    EXPECT_TRUE(r.stopped);
    EXPECT_EQ(r.counters.starttls, 1u);
    EXPECT_EQ(r.counters.starttls_refused, 0u);
    EXPECT_TRUE(r.layers.empty());
}

TEST(SmtpStarttls, NoReplyKnownAndALineThatIsNoCommandStops) {
    const auto r =
        runScript({client("EHLO ws\r\nSTARTTLS\r\nhello there\r\nDATA\r\nx\r\n.\r\n")}, false);
    EXPECT_TRUE(r.stopped);
    EXPECT_EQ(r.counters.starttls, 1u);
    EXPECT_TRUE(r.layers.empty());
}

TEST(SmtpStarttls, ServerDirectionLateIsPairedByReplyNumber) {
    // The client's STARTTLS and next line are read before any reply: the banner's 220 is reply
    // 1, not the answer; the answer (reply 3) is 454, which arrives while the line is read.
    const auto r = runScript({client("EHLO ws\r\nSTARTTLS\r\nMAIL FR"),
                              server(kBanner + kEhloReply + "454 not now\r\n"),
                              client(kClearMessage.substr(7))});
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(r.counters.starttls_refused, 1u);
    EXPECT_EQ(layerBytes(r, "smtp.data"), "Subject: q3\r\n\r\nMARKED clear-text secret\r\n");
}

TEST(SmtpStarttls, ServerDirectionAheadIsPairedByReplyNumber) {
    // Every reply, the answer included, is read before the client's STARTTLS.
    const auto r = runScript({server(kBanner + kEhloReply + "250 ok\r\n220 ready\r\n"),
                              client("EHLO ws\r\nNOOP\r\nSTARTTLS\r\n"), client(kClearMessage)});
    EXPECT_TRUE(r.stopped);
    EXPECT_EQ(r.counters.starttls, 1u);
    EXPECT_TRUE(r.layers.empty());
}

TEST(SmtpStarttls, RepliesToAMessageAndAuthAreCounted) {
    // DATA (354) and its end (250), an AUTH exchange (334, 334, 235): then STARTTLS's answer.
    const auto r = runScript({
        client(
            "EHLO ws\r\nAUTH LOGIN\r\ndXNlcg==\r\ncGFzcw==\r\nDATA\r\nfirst\r\n.\r\nSTARTTLS\r\n"),
        server(kBanner + kEhloReply +
               "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n"
               "354 go\r\n250 queued\r\n502 5.5.1 no STARTTLS\r\n"),
        client(kClearMessage),
    });
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(r.counters.starttls_refused, 1u);
    EXPECT_EQ(layerBytes(r, "smtp.data"),
              "first\r\n|Subject: q3\r\n\r\nMARKED clear-text secret\r\n");
}

TEST(SmtpStarttls, AfterAServerGapTheNextAnswerLikeReplyCounts) {
    const auto r = runScript({server("220 mx"), test::serverHole(100), server("\r\n"),
                              client("EHLO ws\r\n"), server("250 mx\r\n"), client("STARTTLS\r\n"),
                              server("454 later\r\n"), client(kClearMessage)});
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(r.counters.starttls_refused, 1u);
}

TEST(SmtpStarttls, EndWhileWaitingCountsTheOutcome) {
    auto r = runScript({client("EHLO ws\r\nSTARTTLS\r\n")}, false);
    EXPECT_EQ(r.counters.starttls, 1u);
    r = runScript({client("EHLO ws\r\nSTARTTLS\r\n"), server("220 a\r\n250 b\r\n454 c\r\n")});
    EXPECT_EQ(r.counters.starttls, 0u);
    EXPECT_EQ(r.counters.starttls_refused, 1u);
}

TEST(SmtpReplyDecoder, MultiLineRepliesAndTheLineBound) {
    SmtpDecoderLimits limits;
    limits.max_line_bytes = 16;
    SmtpDecoderCounters c;
    SmtpPairing p;
    test::RecordingSink sink;
    SmtpReplyDecoder d(limits, c, p);
    const std::string in = "220-a\r\n220 b\n250\r\n250-x\r\n250-y\r\n250 " + std::string(12, 'z') +
                           "\r\n"; // the last line is 16 bytes: at the bound
    for (const char ch : in)
        d.onData(reinterpret_cast<const uint8_t*>(&ch), 1, sink);
    EXPECT_FALSE(d.stopped());
    EXPECT_EQ(p.replies, 3u);
    EXPECT_EQ(p.recent[2], 250u);
    const std::string over = "250 " + std::string(13, 'z') + "\r\n";
    d.onData(test::u8(over), static_cast<uint32_t>(over.size()), sink);
    EXPECT_TRUE(d.stopped());
    EXPECT_EQ(c.reply_errors, 1u);
    EXPECT_EQ(p.replies, 3u);
}

TEST(SmtpReplyDecoder, BytesThatAreNoReplyStopIt) {
    for (const char* text : {"HTTP/1.1 200 OK\r\n", "25\r\n", "2500 x\r\n", "\r\n", "650 x\r\n"}) {
        const std::string in = text;
        SmtpDecoderCounters c;
        SmtpPairing p;
        test::RecordingSink sink;
        SmtpReplyDecoder d(SmtpDecoderLimits(), c, p);
        d.onData(test::u8(in), static_cast<uint32_t>(in.size()), sink);
        EXPECT_TRUE(d.stopped()) << in;
        EXPECT_EQ(c.reply_errors, 1u) << in;
        EXPECT_EQ(p.replies, 0u) << in;
    }
}

} // namespace
} // namespace egressmon::dpi
