// PdfFilterChain (dpi/transform/pdf/): each PDF stream filter on known vectors (the LZW example
// of ISO 32000-1 §7.4.4.2, Adobe ASCII85, zlib and raw deflate), end-of-data markers, corrupt
// data, chains, the output and ratio bounds (one byte under, at and over), and the same output
// and status however the raw data is cut.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/transform/pdf/pdf_filter_chain.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

using Filters = std::vector<PdfFilter>;
constexpr auto Fl = PdfFilter::Flate;
constexpr auto AHx = PdfFilter::AsciiHex;
constexpr auto A85 = PdfFilter::Ascii85;
constexpr auto LZW = PdfFilter::Lzw;
constexpr auto RL = PdfFilter::RunLength;

struct Options {
    uint64_t max_output = 1 << 24;
    uint32_t max_ratio = 0;
    bool early_change = true;
};

const char* statusName(PdfFilterStatus s) {
    switch (s) {
    case PdfFilterStatus::Active: return "Active";
    case PdfFilterStatus::Done: return "Done";
    case PdfFilterStatus::Corrupt: return "Corrupt";
    case PdfFilterStatus::TooLarge: return "TooLarge";
    case PdfFilterStatus::NoMemory: return "NoMemory";
    }
    return "?";
}

// The output and the status after feeding `pieces` and finishing, as "output|status".
std::string decodePieces(const Filters& filters, const std::vector<std::string_view>& pieces,
                         const Options& o = {}) {
    PdfFilterChain chain;
    EXPECT_TRUE(chain.init(filters, o.max_output, o.max_ratio, o.early_change));
    std::string out;
    for (std::string_view p : pieces) {
        const size_t before = out.size();
        const PdfFilterStatus was = chain.status();
        chain.feed(test::u8(p), p.size(), out);
        if (was != PdfFilterStatus::Active) { // final: nothing more, no change
            EXPECT_EQ(out.size(), before);
            EXPECT_EQ(chain.status(), was);
        }
    }
    chain.finish(out);
    EXPECT_LE(out.size(), o.max_output);
    EXPECT_EQ(chain.outputBytes(), out.size());
    return out + "|" + statusName(chain.status());
}

// The same, after checking that every split of `input` (two pieces at every point, and byte by
// byte) gives it.
std::string decode(const Filters& filters, std::string_view input, const Options& o = {}) {
    return test::expectSplitInvariant(input, [&](const std::vector<std::string_view>& pieces) {
        return decodePieces(filters, pieces, o);
    });
}

std::string done(std::string_view s) {
    return std::string(s) + "|Done";
}

std::string zlib(std::string_view s) {
    return test::compress(s, 15);
}

std::string text(size_t lines) {
    std::string s;
    for (size_t i = 0; i < lines; ++i)
        s += "BT /F1 12 Tf (line " + std::to_string(i * 7919 % 1000) + " CONFIDENTIAL) Tj ET\n";
    return s;
}

std::string hex(std::string_view s) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
    }
    return out + ">";
}

// Adobe's ASCII85: 'z' for a group of four zero bytes, "~>" at the end.
std::string ascii85(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); i += 4) {
        const size_t n = std::min<size_t>(4, s.size() - i);
        uint32_t v = 0;
        for (size_t k = 0; k < 4; ++k)
            v = v << 8 | (k < n ? static_cast<unsigned char>(s[i + k]) : 0);
        if (n == 4 && v == 0) {
            out += 'z';
            continue;
        }
        char group[5];
        for (int k = 4; k >= 0; --k) {
            group[k] = static_cast<char>('!' + v % 85);
            v /= 85;
        }
        out.append(group, n + 1);
    }
    return out + "~>";
}

// An LZW encoder that mirrors what a decoder does: it writes each code with the width the
// decoder will read it with (the decoder's table is one entry behind the encoder's). With
// `clear`, a clear code restarts the table before it fills; without, the table stays full.
std::string lzw(std::string_view s, bool early_change = true, bool clear = true) {
    std::string out;
    uint32_t bits = 0;
    unsigned nbits = 0, width = 9, decoder_next = 258;
    bool first = true;
    const auto put = [&](unsigned code) {
        bits = bits << width | code;
        nbits += width;
        while (nbits >= 8) {
            nbits -= 8;
            out += static_cast<char>(bits >> nbits);
        }
        bits &= (1u << nbits) - 1;
        if (code == 256) {
            width = 9, decoder_next = 258, first = true;
            return;
        }
        if (!first && decoder_next < 4096) {
            ++decoder_next;
            if (decoder_next + early_change >= (1u << width) && width < 12) ++width;
        }
        first = false;
    };
    std::map<std::string, unsigned> dict;
    const auto reset = [&] {
        dict.clear();
        for (unsigned i = 0; i < 256; ++i)
            dict[std::string(1, static_cast<char>(i))] = i;
    };
    reset();
    unsigned next = 258;
    put(256);
    std::string w;
    for (char c : s) {
        if (dict.count(w + c)) {
            w += c;
            continue;
        }
        put(dict[w]);
        if (next < 4096) dict[w + c] = next++;
        w = std::string(1, c);
        if (clear && next == 4095) {
            put(256);
            reset();
            next = 258;
        }
    }
    if (!w.empty()) put(dict[w]);
    put(257);
    if (nbits > 0) out += static_cast<char>(bits << (8 - nbits));
    return out;
}

std::string randomBytes(size_t n, uint32_t seed) {
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        seed = seed * 1103515245 + 12345;
        s += static_cast<char>(seed >> 16);
    }
    return s;
}

// --- names and set-up --------------------------------------------------------------------------

TEST(PdfFilterChain, NamesAndAbbreviations) {
    EXPECT_EQ(pdfFilterByName("FlateDecode"), PdfFilter::Flate);
    EXPECT_EQ(pdfFilterByName("Fl"), PdfFilter::Flate);
    EXPECT_EQ(pdfFilterByName("ASCIIHexDecode"), PdfFilter::AsciiHex);
    EXPECT_EQ(pdfFilterByName("AHx"), PdfFilter::AsciiHex);
    EXPECT_EQ(pdfFilterByName("ASCII85Decode"), PdfFilter::Ascii85);
    EXPECT_EQ(pdfFilterByName("A85"), PdfFilter::Ascii85);
    EXPECT_EQ(pdfFilterByName("LZWDecode"), PdfFilter::Lzw);
    EXPECT_EQ(pdfFilterByName("LZW"), PdfFilter::Lzw);
    EXPECT_EQ(pdfFilterByName("RunLengthDecode"), PdfFilter::RunLength);
    EXPECT_EQ(pdfFilterByName("RL"), PdfFilter::RunLength);
    for (std::string_view other : {"DCTDecode", "DCT", "JBIG2Decode", "CCITTFaxDecode", "CCF",
                                   "JPXDecode", "Crypt", "", "/FlateDecode", "flatedecode"})
        EXPECT_EQ(pdfFilterByName(other), std::nullopt) << other;
}

TEST(PdfFilterChain, MoreThanFourFiltersRefused) {
    PdfFilterChain chain;
    const Filters five = {AHx, AHx, AHx, AHx, AHx};
    EXPECT_FALSE(chain.init(five, 100, 0));
    EXPECT_NE(chain.status(), PdfFilterStatus::Active);
    std::string out;
    chain.feed(test::u8("41>"), 3, out);
    chain.finish(out);
    EXPECT_EQ(out, "");
    const Filters four = {AHx, AHx, AHx, AHx};
    EXPECT_TRUE(chain.init(four, 100, 0));
    const std::string data = hex(hex(hex(hex("A"))));
    chain.feed(test::u8(data), data.size(), out);
    EXPECT_EQ(out, "A");
    EXPECT_EQ(chain.status(), PdfFilterStatus::Done);
}

TEST(PdfFilterChain, NoFiltersPassesThroughUpToTheBound) {
    EXPECT_EQ(decode({}, "raw bytes"), done("raw bytes"));
    EXPECT_EQ(decode({}, "raw bytes", {.max_output = 3}), "raw|TooLarge");
    EXPECT_EQ(decode({}, ""), done(""));
}

TEST(PdfFilterChain, InitAgainStartsOver) {
    PdfFilterChain chain;
    std::string out;
    ASSERT_TRUE(chain.init(Filters{AHx}, 1, 0));
    chain.feed(test::u8("4142"), 4, out);
    EXPECT_EQ(chain.status(), PdfFilterStatus::TooLarge);
    ASSERT_TRUE(chain.init(Filters{RL}, 100, 0));
    out.clear();
    chain.feed(test::u8("\x01xy\x80"), 4, out);
    EXPECT_EQ(out, "xy");
    EXPECT_EQ(chain.status(), PdfFilterStatus::Done);
    EXPECT_EQ(chain.rawBytes(), 4u);
    EXPECT_EQ(chain.outputBytes(), 2u);
}

// --- Flate -----------------------------------------------------------------------------------

TEST(PdfFilterChain, FlateZlibStream) {
    const std::string plain = text(40);
    EXPECT_EQ(decode({Fl}, zlib(plain)), done(plain));
}

TEST(PdfFilterChain, FlateRawDeflateFallback) {
    const std::string plain = text(40);
    EXPECT_EQ(decode({Fl}, test::compress(plain, -15)), done(plain));
}

TEST(PdfFilterChain, FlateTruncatedIsNotCorrupt) {
    const std::string plain = text(200);
    const std::string z = zlib(plain);
    // Without its adler32: all of the text.
    EXPECT_EQ(decode({Fl}, std::string_view(z).substr(0, z.size() - 4)), done(plain));
    // Cut in the middle: what was decoded, a prefix of the text.
    const std::string half = decode({Fl}, std::string_view(z).substr(0, z.size() / 2));
    ASSERT_TRUE(half.ends_with("|Done"));
    const std::string got = half.substr(0, half.size() - 5);
    EXPECT_GT(got.size(), 0u);
    EXPECT_LT(got.size(), plain.size());
    EXPECT_EQ(plain.substr(0, got.size()), got);
}

TEST(PdfFilterChain, FlateDataAfterTheStreamIgnored) {
    EXPECT_EQ(decode({Fl}, zlib("abc") + "\r\nendstream garbage"), done("abc"));
}

TEST(PdfFilterChain, FlateCorrupt) {
    // A zlib header, then a block of reserved type 3.
    EXPECT_EQ(decode({Fl}, std::string("\x78\x9c\xff\xff\xff\xff", 6)), "|Corrupt");
}

// --- ASCIIHex ----------------------------------------------------------------------------------

TEST(PdfFilterChain, AsciiHex) {
    EXPECT_EQ(decode({AHx}, "48 65\n6C6c\t6F>"), done("Hello"));
    EXPECT_EQ(decode({AHx}, "414>"), done("A@")); // odd last digit: followed by 0
    EXPECT_EQ(decode({AHx}, "4142"), done("AB")); // no '>': the stream's end ends it
    EXPECT_EQ(decode({AHx}, "414"), done("A@"));
    EXPECT_EQ(decode({AHx}, "41>4243 not hex"), done("A")); // after '>': ignored
    EXPECT_EQ(decode({AHx}, ">"), done(""));
}

TEST(PdfFilterChain, AsciiHexInvalidCharIsCorrupt) {
    EXPECT_EQ(decode({AHx}, "4142G3>"), "AB|Corrupt");
    EXPECT_EQ(decode({AHx}, "4x"), "|Corrupt");
}

// --- ASCII85 -----------------------------------------------------------------------------------

TEST(PdfFilterChain, Ascii85KnownVectors) { // base64.a85encode(..., adobe=True)
    EXPECT_EQ(decode({A85}, "<~87cURD_*#4DfTZ)+T~>"), done("Hello, World!"));
    EXPECT_EQ(decode({A85}, "87cURD_*#4DfTZ)+T~>"), done("Hello, World!"));
    EXPECT_EQ(decode({A85}, "<~z@:B~>"), done(std::string("\0\0\0\0ab", 6)));
    EXPECT_EQ(decode({A85}, "87cU\r\nRD _*#4\tDfTZ)+T~>"), done("Hello, World!"));
}

TEST(PdfFilterChain, Ascii85EveryPartialGroup) {
    const std::string bytes =
        std::string("\0\0\0\0", 4) + "\xff\xfe\x01 partial groups" + std::string("\0\0\0\0\0", 5);
    for (size_t n = 0; n <= bytes.size(); ++n) {
        const std::string plain = bytes.substr(0, n);
        EXPECT_EQ(decode({A85}, ascii85(plain)), done(plain)) << n;
    }
}

TEST(PdfFilterChain, Ascii85WithoutEndMarker) {
    std::string a = ascii85("Hello, World!");
    a.resize(a.size() - 2);
    EXPECT_EQ(decode({A85}, a), done("Hello, World!"));
    EXPECT_EQ(decode({A85}, "87cURD_*#4DfTZ)+T~"), done("Hello, World!"));
}

TEST(PdfFilterChain, Ascii85Corrupt) {
    EXPECT_EQ(decode({A85}, "87cURv~>"), "Hell|Corrupt"); // 'v' is past 'u'
    EXPECT_EQ(decode({A85}, "s8W-!~>"), done("\xff\xff\xff\xff"));
    EXPECT_EQ(decode({A85}, "s8W-\"~>"), "|Corrupt");     // 2^32
    EXPECT_EQ(decode({A85}, "87czU~>"), "|Corrupt");      // 'z' inside a group
    EXPECT_EQ(decode({A85}, "87cURD~>"), "Hell|Corrupt"); // a last group of one char
    EXPECT_EQ(decode({A85}, "<"), "|Corrupt");            // '<' is a digit unless '~' follows
    EXPECT_EQ(decode({A85}, "<<<<<~>"), done("U\x02\x04\xbf"));
}

// --- LZW ---------------------------------------------------------------------------------------

TEST(PdfFilterChain, LzwSpecExample) { // ISO 32000-1 §7.4.4.2
    const std::string spec("\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01", 9);
    EXPECT_EQ(lzw("-----A---B"), spec); // the test's encoder agrees with the spec
    EXPECT_EQ(decode({LZW}, spec), done("-----A---B"));
}

TEST(PdfFilterChain, LzwEveryCodeWidthBothEarlyChanges) {
    // Text long enough for 9- to 12-bit codes and a clear, and bytes that fill tables fast.
    const std::string plain = text(300) + randomBytes(12000, 7);
    for (bool early : {true, false}) {
        const std::string encoded = lzw(plain, early);
        EXPECT_EQ(decodePieces({LZW}, {encoded}, {.early_change = early}), done(plain));
        // A few splits (every split of 20 KB is slow): inside codes, at odd offsets.
        for (size_t cut : {1ul, 2ul, 3ul, 700ul, 701ul, 5555ul, encoded.size() - 1})
            EXPECT_EQ(decodePieces({LZW},
                                   {std::string_view(encoded).substr(0, cut),
                                    std::string_view(encoded).substr(cut)},
                                   {.early_change = early}),
                      done(plain));
        // The wrong EarlyChange reads other codes: not the text.
        EXPECT_NE(decodePieces({LZW}, {encoded}, {.early_change = !early}), done(plain));
    }
}

TEST(PdfFilterChain, LzwFullTableKeepsTwelveBitCodes) {
    const std::string plain = randomBytes(10000, 3);
    EXPECT_EQ(decodePieces({LZW}, {lzw(plain, true, false)}), done(plain));
    EXPECT_EQ(decodePieces({LZW}, {lzw(plain, false, false)}, {.early_change = false}),
              done(plain));
}

TEST(PdfFilterChain, LzwCorruptAndEnds) {
    // clear, 'A', then 300: past the next entry (258).
    EXPECT_EQ(decode({LZW}, std::string("\x80\x10\x65\x80", 4)), "A|Corrupt");
    // clear, then 258 as the first code: not a byte.
    EXPECT_EQ(decode({LZW}, std::string("\x80\x40\x80", 3)), "|Corrupt");
    // Without EOD: what the whole codes give.
    std::string spec("\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01", 9);
    EXPECT_EQ(decode({LZW}, spec.substr(0, 7)), done("-----A---"));
    // After EOD: ignored.
    EXPECT_EQ(decode({LZW}, spec + "\xff\xff\xff"), done("-----A---B"));
}

// --- RunLength ---------------------------------------------------------------------------------

TEST(PdfFilterChain, RunLength) {
    EXPECT_EQ(decode({RL}, std::string("\x02"
                                       "abc"
                                       "\xfe"
                                       "x"
                                       "\x00"
                                       "y"
                                       "\x81"
                                       "z"
                                       "\x80",
                                       11)),
              done("abcxxxy" + std::string(128, 'z')));
    EXPECT_EQ(decode({RL}, std::string("\x01"
                                       "ab"
                                       "\x80"
                                       "\x01"
                                       "cd",
                                       6)),
              done("ab"));
    EXPECT_EQ(decode({RL}, std::string("\x7f", 1) + std::string(128, 'q')),
              done(std::string(128, 'q')));
    EXPECT_EQ(decode({RL}, std::string("\x05"
                                       "ab",
                                       3)),
              done("ab")); // cut in a run
    EXPECT_EQ(decode({RL}, std::string("\xfd", 1)), done(""));
}

// --- chains ------------------------------------------------------------------------------------

TEST(PdfFilterChain, Ascii85ThenFlate) {
    const std::string plain = text(30);
    EXPECT_EQ(decode({A85, Fl}, ascii85(zlib(plain))), done(plain));
}

TEST(PdfFilterChain, AsciiHexThenRunLength) {
    const std::string rl = std::string("\x02"
                                       "abc"
                                       "\xfd"
                                       "-"
                                       "\x80",
                                       7);
    EXPECT_EQ(decode({AHx, RL}, hex(rl)), done("abc----"));
}

TEST(PdfFilterChain, FourStages) {
    const std::string plain = text(20);
    EXPECT_EQ(decode({AHx, A85, LZW, Fl}, hex(ascii85(lzw(zlib(plain))))), done(plain));
}

TEST(PdfFilterChain, FirstStageEndFlushesTheRest) {
    // '>' ends the hex; the flate stream in it is cut but not corrupt; the rest is ignored.
    const std::string plain = text(30);
    const std::string z = zlib(plain);
    EXPECT_EQ(decode({AHx, Fl}, hex(z.substr(0, z.size() - 4)) + "zz"), done(plain));
    // An odd hex digit flushed at the end reaches the next stage.
    EXPECT_EQ(decode({AHx, AHx}, "343>"), done("@"));
}

TEST(PdfFilterChain, LastStageEndIgnoresTheRest) {
    // The flate stream ends inside the hex data: the invalid hex after it does not count.
    EXPECT_EQ(decode({AHx, Fl}, hex(zlib("abc")).substr(0, 2 * zlib("abc").size()) + "00 QQ"),
              done("abc"));
}

TEST(PdfFilterChain, CorruptInTheMiddle) {
    EXPECT_EQ(decode({AHx, A85}, hex("87cURv~>")), "Hell|Corrupt");
}

// --- bounds ------------------------------------------------------------------------------------

struct Bounded {
    Filters filters;
    std::string input;
    std::string plain;
};

std::vector<Bounded> boundedCases() {
    const std::string plain = "The quick brown fox jumps over the lazy dog, CONFIDENTIAL 0123";
    std::string rl;
    for (char c : plain)
        rl += std::string("\x00", 1) + c;
    // In a chain every stage's output is bounded too: the chain's text compresses, so the
    // bound on the final output is the one reached.
    const std::string lines = text(4);
    EXPECT_LT(ascii85(zlib(lines)).size(), lines.size());
    return {
        {{}, plain, plain},
        {{Fl}, zlib(plain), plain},
        {{AHx}, hex(plain), plain},
        {{A85}, ascii85(plain), plain},
        {{LZW}, lzw(plain), plain},
        {{RL}, rl + "\x80", plain},
        {{A85, Fl}, ascii85(zlib(lines)), lines},
    };
}

TEST(PdfFilterChain, MaxOutputExactly) {
    for (const Bounded& c : boundedCases()) {
        const size_t n = c.plain.size();
        EXPECT_EQ(decode(c.filters, c.input, {.max_output = n + 1}), done(c.plain));
        EXPECT_EQ(decode(c.filters, c.input, {.max_output = n}), done(c.plain));
        EXPECT_EQ(decode(c.filters, c.input, {.max_output = n - 1}),
                  c.plain.substr(0, n - 1) + "|TooLarge");
        EXPECT_EQ(decode(c.filters, c.input, {.max_output = 0}), "|TooLarge");
    }
}

TEST(PdfFilterChain, MaxOutputBoundsTheMiddleStages) {
    // The flate stage gives 2n hex digits for n final bytes: a bound of n + 10 stops it.
    const std::string plain = text(3);
    const std::string z = zlib(hex(plain));
    const size_t n = plain.size();
    EXPECT_EQ(decode({Fl, AHx}, z, {.max_output = 2 * n + 1}), done(plain));
    EXPECT_EQ(decode({Fl, AHx}, z, {.max_output = n + 10}),
              plain.substr(0, (n + 10) / 2) + "|TooLarge");
}

TEST(PdfFilterChain, RatioBomb) {
    const std::string zeros(10 * 1000 * 1000, '\0');
    const std::string z = zlib(zeros);
    // No ratio bound: all of it.
    EXPECT_EQ(decodePieces({Fl}, {z}, {.max_output = 1 << 30}), done(zeros));
    PdfFilterChain chain;
    ASSERT_TRUE(chain.init(Filters{Fl}, 1 << 30, 100));
    std::string out;
    chain.feed(test::u8(z), z.size(), out);
    chain.finish(out);
    EXPECT_EQ(chain.status(), PdfFilterStatus::TooLarge);
    // About 1000:1 from the first byte on: cut at the bound of the first 4 KiB step.
    EXPECT_EQ(out.size(), 100 * PdfFilterChain::kRatioStep);
    EXPECT_EQ(out, std::string(out.size(), '\0'));
    // Fed in 1000-byte pieces: the same cut.
    std::vector<std::string_view> pieces;
    for (size_t i = 0; i < z.size(); i += 1000)
        pieces.push_back(std::string_view(z).substr(i, 1000));
    EXPECT_EQ(decodePieces({Fl}, pieces, {.max_output = 1 << 30, .max_ratio = 100}),
              out + "|TooLarge");
}

TEST(PdfFilterChain, RatioCheckedOnlyPastTheGrace) {
    // 64 KiB of zeros from a few hundred bytes: under the grace, no ratio stop.
    const std::string grace(PdfFilterChain::kRatioGrace, '\0');
    EXPECT_EQ(decode({Fl}, zlib(grace), {.max_ratio = 1}), done(grace));
    const std::string more(PdfFilterChain::kRatioGrace + 1, '\0');
    EXPECT_EQ(decode({Fl}, zlib(more), {.max_ratio = 1}), grace + "|TooLarge");
}

TEST(PdfFilterChain, SplitEverywhereAcrossVectors) {
    // The vectors above and a few more, each decoded whole, in two pieces at every point and
    // byte by byte (decode() checks), under roomy and tight bounds.
    std::vector<Bounded> cases = boundedCases();
    const std::string plain = text(5);
    cases.push_back({{AHx, RL},
                     hex(std::string("\x03"
                                     "abcd"
                                     "\xf0"
                                     "!"
                                     "\x80",
                                     8)),
                     "abcd" + std::string(17, '!')});
    cases.push_back({{A85, LZW}, ascii85(lzw(plain)), plain});
    cases.push_back({{Fl}, test::compress(plain, -15), plain});
    cases.push_back({{LZW}, lzw(plain, true, true) + "junk", plain});
    for (const Bounded& c : cases) {
        for (uint64_t bound : {uint64_t{1} << 20, uint64_t{7}}) {
            const std::string whole = decodePieces(c.filters, {c.input}, {.max_output = bound});
            EXPECT_EQ(decode(c.filters, c.input, {.max_output = bound}), whole);
            if (bound > c.plain.size()) {
                EXPECT_EQ(whole, done(c.plain));
            }
        }
    }
}

} // namespace
} // namespace egressmon::dpi
