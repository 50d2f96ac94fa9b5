// dpi::parseDnsMessage and splitTcpDnsMessage: header flags, the first question's name (case,
// odd bytes, compression, the 255-byte bound, pointer loops), answer summaries, every error
// status, and every prefix of a real message (no read past the end: run under ASan in CI).

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/policy/dns_message.h"

namespace egressmon::dpi {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}

Bytes header(uint16_t flags, uint16_t qd, uint16_t an) {
    Bytes b;
    put16(b, 0x1234);
    put16(b, flags);
    put16(b, qd);
    put16(b, an);
    put16(b, 0);
    put16(b, 0);
    return b;
}

Bytes wireName(const std::vector<std::string>& labels) {
    Bytes b;
    for (const auto& l : labels) {
        b.push_back(static_cast<uint8_t>(l.size()));
        b.insert(b.end(), l.begin(), l.end());
    }
    b.push_back(0);
    return b;
}

Bytes query(const std::vector<std::string>& labels, uint16_t qtype, uint16_t flags = 0x0100) {
    Bytes b = header(flags, 1, 0);
    const Bytes n = wireName(labels);
    b.insert(b.end(), n.begin(), n.end());
    put16(b, qtype);
    put16(b, 1);
    return b;
}

void addAnswer(Bytes& b, uint16_t type, const Bytes& rdata) {
    put16(b, 0xC00C);
    put16(b, type);
    put16(b, 1);
    put16(b, 0);
    put16(b, 60);
    put16(b, static_cast<uint16_t>(rdata.size()));
    b.insert(b.end(), rdata.begin(), rdata.end());
}

Bytes response(const std::vector<std::string>& labels, uint16_t qtype,
               const std::vector<std::pair<uint16_t, Bytes>>& answers, uint16_t rcode = 0) {
    Bytes b = query(labels, qtype, static_cast<uint16_t>(0x8180 | rcode));
    b[7] = static_cast<uint8_t>(answers.size());
    for (const auto& [type, rdata] : answers)
        addAnswer(b, type, rdata);
    return b;
}

DnsParseStatus parse(const Bytes& b, DnsMessage& m) {
    return parseDnsMessage(b, m);
}

TEST(DnsMessage, QueryHeaderAndQuestion) {
    DnsMessage m;
    ASSERT_EQ(parse(query({"WWW", "Example", "COM"}, dnstype::kAaaa), m), DnsParseStatus::kOk);
    EXPECT_FALSE(m.is_response);
    EXPECT_EQ(m.id, 0x1234);
    EXPECT_EQ(m.opcode, 0);
    EXPECT_EQ(m.rcode, 0);
    EXPECT_TRUE(m.has_question);
    EXPECT_EQ(m.name(), "www.example.com");
    EXPECT_EQ(m.name_labels, 3);
    EXPECT_EQ(m.qtype, dnstype::kAaaa);
    EXPECT_EQ(m.qclass, 1);
    EXPECT_EQ(m.answers.records, 0);
}

TEST(DnsMessage, FlagsOpcodeRcodeTc) {
    DnsMessage m;
    // QR, opcode 2 (STATUS), TC, rcode 3 (NXDOMAIN).
    ASSERT_EQ(parse(query({"a", "b"}, dnstype::kA, 0x8000 | 2 << 11 | 0x0200 | 3), m),
              DnsParseStatus::kOk);
    EXPECT_TRUE(m.is_response);
    EXPECT_EQ(m.opcode, 2);
    EXPECT_TRUE(m.truncated_flag);
    EXPECT_EQ(m.rcode, 3);
}

TEST(DnsMessage, RootName) {
    DnsMessage m;
    ASSERT_EQ(parse(query({}, dnstype::kNs), m), DnsParseStatus::kOk);
    EXPECT_EQ(m.name(), "");
    EXPECT_EQ(m.name_labels, 0);
}

TEST(DnsMessage, OddBytesKeptOnlyAsciiLettersLowered) {
    const std::string raw = std::string("A\xC4\xFF.z") + '\0' + "Q";
    DnsMessage m;
    ASSERT_EQ(parse(query({raw, "Pirate", "SEA"}, dnstype::kNull), m), DnsParseStatus::kOk);
    EXPECT_EQ(m.name(), std::string("a\xC4\xFF.z") + '\0' + "q.pirate.sea");
    EXPECT_EQ(m.qtype, dnstype::kNull);
}

TEST(DnsMessage, AnswerSummary) {
    DnsMessage m;
    const Bytes cname = wireName({"edge", "cdn", "net"});
    ASSERT_EQ(parse(response({"x", "com"}, dnstype::kA,
                             {{dnstype::kCname, cname},
                              {dnstype::kA, {1, 2, 3, 4}},
                              {dnstype::kAaaa, Bytes(16, 1)},
                              {dnstype::kTxt, {3, 'a', 'b', 'c'}},
                              {dnstype::kNull, Bytes(100, 7)},
                              {dnstype::kMx, {0, 10, 0}}}),
                    m),
              DnsParseStatus::kOk);
    EXPECT_TRUE(m.is_response);
    EXPECT_EQ(m.answers.records, 6);
    EXPECT_EQ(m.answers.types, dnsanswer::kA | dnsanswer::kAaaa | dnsanswer::kCname |
                                   dnsanswer::kTxt | dnsanswer::kNull | dnsanswer::kOther);
    EXPECT_EQ(m.answers.rdata_bytes, cname.size() + 4 + 16 + 4 + 100 + 3);
}

TEST(DnsMessage, Errors) {
    DnsMessage m;
    EXPECT_EQ(parse(Bytes(11, 0), m), DnsParseStatus::kTruncatedHeader);
    EXPECT_EQ(parse(header(0x0100, 0, 0), m), DnsParseStatus::kNoQuestion);
    Bytes bad_label = header(0x0100, 1, 0);
    bad_label.push_back(0x41); // 0x40 prefix: RFC 6891 extended label, never valid here
    EXPECT_EQ(parse(bad_label, m), DnsParseStatus::kBadLabelType);
    Bytes cut = query({"abc", "com"}, dnstype::kA);
    cut.resize(cut.size() - 1);
    EXPECT_EQ(parse(cut, m), DnsParseStatus::kTruncatedQuestion);
    EXPECT_FALSE(m.has_question);
    Bytes cut_name = header(0x0100, 1, 0);
    cut_name.push_back(5);
    cut_name.push_back('a');
    EXPECT_EQ(parse(cut_name, m), DnsParseStatus::kTruncatedName);
    EXPECT_EQ(m.name(), "");
    // An answer cut in its RDATA: the question stays usable.
    Bytes cut_answer =
        response({"t", "example", "org"}, dnstype::kTxt, {{dnstype::kTxt, Bytes(20, 'x')}});
    cut_answer.resize(cut_answer.size() - 5);
    EXPECT_EQ(parse(cut_answer, m), DnsParseStatus::kTruncatedAnswer);
    EXPECT_TRUE(m.has_question);
    EXPECT_EQ(m.name(), "t.example.org");
    // ANCOUNT larger than what follows.
    Bytes short_an = response({"a", "org"}, dnstype::kA, {});
    short_an[7] = 3;
    EXPECT_EQ(parse(short_an, m), DnsParseStatus::kTruncatedAnswer);
}

// A name of exactly 255 wire bytes is accepted (253 characters); 256 is refused.
TEST(DnsMessage, NameLengthBoundAtTheLimit) {
    // 4 labels of 63 (4 * 64 = 256 bytes) is one too many; 3 of 63 and one of 61 make
    // 3 * 64 + 62 + 1 (root) = 255.
    const std::string l63(63, 'a');
    DnsMessage m;
    ASSERT_EQ(parse(query({l63, l63, l63, std::string(61, 'b')}, dnstype::kA), m),
              DnsParseStatus::kOk);
    EXPECT_EQ(m.name().size(), 253u);
    EXPECT_EQ(parse(query({l63, l63, l63, std::string(62, 'b')}, dnstype::kA), m),
              DnsParseStatus::kNameTooLong);
}

TEST(DnsMessage, CompressionPointersAndLoops) {
    // Question name "www" + pointer to a name placed after the question section? Pointers may
    // go anywhere in the message: build header, then "www" + ptr(->offset of "example.com").
    Bytes b = header(0x0100, 1, 0);
    const size_t question = b.size();
    b.insert(b.end(), {3, 'W', 'W', 'W', 0xC0, 0}); // pointer patched below
    put16(b, dnstype::kA);
    put16(b, 1);
    const size_t target = b.size();
    const Bytes tail = wireName({"example", "com"});
    b.insert(b.end(), tail.begin(), tail.end());
    b[question + 5] = static_cast<uint8_t>(target);
    DnsMessage m;
    ASSERT_EQ(parse(b, m), DnsParseStatus::kOk);
    EXPECT_EQ(m.name(), "www.example.com");
    EXPECT_EQ(m.qtype, dnstype::kA); // read after the pointer, not after the target

    // A pointer to itself: stopped at the hop bound.
    Bytes loop = header(0x0100, 1, 0);
    loop.insert(loop.end(), {0xC0, 12, 0, 1, 0, 1});
    EXPECT_EQ(parse(loop, m), DnsParseStatus::kPointerLoop);

    // A chain of exactly kMaxPointerHops pointers is followed; one more is a loop.
    for (const int hops : {kMaxPointerHops, kMaxPointerHops + 1}) {
        Bytes chain = header(0x0100, 1, 0);
        // Question: pointer to the first link; the links follow the question.
        const size_t q = chain.size();
        chain.insert(chain.end(), {0xC0, 0, 0, 1, 0, 1});
        const size_t first = chain.size();
        chain[q + 1] = static_cast<uint8_t>(first);
        for (int i = 1; i < hops; ++i) {
            const size_t next = chain.size() + 2;
            chain.push_back(static_cast<uint8_t>(0xC0 | next >> 8));
            chain.push_back(static_cast<uint8_t>(next));
        }
        const Bytes end = wireName({"deep", "net"});
        chain.insert(chain.end(), end.begin(), end.end());
        EXPECT_EQ(parse(chain, m),
                  hops <= kMaxPointerHops ? DnsParseStatus::kOk : DnsParseStatus::kPointerLoop)
            << hops;
        if (hops <= kMaxPointerHops) {
            EXPECT_EQ(m.name(), "deep.net");
        }
    }

    // A loop that adds a 20-byte label each time: the 255-byte name bound stops it (after 12
    // hops, before the hop bound).
    Bytes grow = header(0x0100, 1, 0);
    grow.push_back(20);
    grow.insert(grow.end(), 20, 'a');
    grow.insert(grow.end(), {0xC0, 12, 0, 1, 0, 1});
    EXPECT_EQ(parse(grow, m), DnsParseStatus::kNameTooLong);
}

TEST(DnsMessage, EveryPrefixIsSafe) {
    const Bytes whole = response({"abc", "Pirate", "sea"}, dnstype::kNull,
                                 {{dnstype::kNull, Bytes(64, 9)}, {dnstype::kTxt, {2, 'h', 'i'}}});
    DnsMessage m;
    ASSERT_EQ(parse(whole, m), DnsParseStatus::kOk);
    for (size_t n = 0; n < whole.size(); ++n) {
        const Bytes prefix(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(n));
        EXPECT_NE(parse(prefix, m), DnsParseStatus::kOk) << n;
    }
}

TEST(DnsMessage, TcpFraming) {
    const Bytes q1 = query({"a", "example", "com"}, dnstype::kA);
    const Bytes q2 = query({"b", "example", "com"}, dnstype::kTxt);
    Bytes stream;
    for (const Bytes* q : {&q1, &q2}) {
        put16(stream, static_cast<uint16_t>(q->size()));
        stream.insert(stream.end(), q->begin(), q->end());
    }
    std::span<const uint8_t> rest(stream);
    std::span<const uint8_t> msg;
    size_t used = 0;
    ASSERT_EQ(splitTcpDnsMessage(rest, msg, used), TcpDnsFrame::kMessage);
    EXPECT_EQ(used, q1.size() + 2);
    DnsMessage m;
    ASSERT_EQ(parseDnsMessage(msg, m), DnsParseStatus::kOk);
    EXPECT_EQ(m.name(), "a.example.com");
    rest = rest.subspan(used);
    ASSERT_EQ(splitTcpDnsMessage(rest, msg, used), TcpDnsFrame::kMessage);
    ASSERT_EQ(parseDnsMessage(msg, m), DnsParseStatus::kOk);
    EXPECT_EQ(m.name(), "b.example.com");
    EXPECT_EQ(used, rest.size());
    // Every cut short of a whole message asks for more.
    for (size_t n = 0; n < q1.size() + 2; ++n) {
        EXPECT_EQ(splitTcpDnsMessage(std::span<const uint8_t>(stream).first(n), msg, used),
                  TcpDnsFrame::kNeedMore)
            << n;
        EXPECT_EQ(used, 0u);
    }
    const Bytes zero{0, 0, 1};
    EXPECT_EQ(splitTcpDnsMessage(zero, msg, used), TcpDnsFrame::kEmpty);
    EXPECT_EQ(used, 2u);
}

TEST(DnsMessage, StatusNames) {
    EXPECT_EQ(dnsParseStatusName(DnsParseStatus::kOk), "ok");
    EXPECT_EQ(dnsParseStatusName(DnsParseStatus::kPointerLoop), "pointer_loop");
    EXPECT_EQ(dnsParseStatusName(DnsParseStatus::kTruncatedAnswer), "truncated_answer");
}

} // namespace
} // namespace egressmon::dpi
