// Content decoders over realistic inputs fed in 1448-byte pieces (what the reassembler hands
// them), a fresh decoder per iteration (one message or body per flow direction). Bytes/s are of
// the decoder's INPUT; the decoded layers go to a sink that only counts them.
//   BM_HttpRequestIdentity:  POST with Content-Length, 64 KiB text body.
//   BM_HttpRequestChunked:   POST, the same body chunked in 4 KiB chunks.
//   BM_HttpRequestGzip:      POST, Content-Encoding: gzip, Content-Length (64 KiB inflated).
//   BM_SmtpMimeBase64:       EHLO..DATA, multipart/mixed: a text part and a 64 KiB base64
//                            attachment, "." and QUIT.
//   BM_InflateGzip:          dpi::Inflater on a gzip stream of 64 KiB text.
//   BM_Base64Decode / BM_QuotedPrintableDecode: the MIME part decoders on 64 KiB of decoded
//                            text, as the MIME parser drives them (scratch string per piece).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/bench_support.h"
#include "dpi/content/content_base64.h"
#include "dpi/content/content_inflater.h"
#include "dpi/content/content_quoted_printable.h"
#include "dpi/decode/http/http_decoder.h"
#include "dpi/decode/smtp/smtp_decoder.h"

using namespace egressmon;
using bench::CountingSink;

namespace {

constexpr size_t kBody = 64 * 1024;

const std::string& text() {
    static const std::string t = bench::englishText(kBody);
    return t;
}

std::string postRequest(const std::string& extra_headers, const std::string& body) {
    return "POST /api/v2/documents/upload HTTP/1.1\r\n"
           "Host: files.example.com\r\n"
           "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
           "Accept: */*\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n" +
           extra_headers + "\r\n" + body;
}

void runHttp(benchmark::State& state, const std::string& input, uint64_t expect_layer_bytes) {
    const auto in = bench::pieces(input);
    uint64_t decoded = 0;
    for (auto _ : state) {
        dpi::HttpDecoderCounters counters;
        dpi::HttpDecoder d(true, {}, counters, nullptr);
        CountingSink sink;
        for (std::string_view p : in)
            d.onData(bench::u8(p), static_cast<uint32_t>(p.size()), sink);
        d.onEnd(sink);
        benchmark::DoNotOptimize(sink.last);
        decoded += sink.bytes;
        if (sink.bytes != expect_layer_bytes || counters.parse_errors) {
            state.SkipWithError("unexpected decoding");
            break;
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
    state.counters["decoded"] = benchmark::Counter(
        static_cast<double>(decoded), benchmark::Counter::kIsRate, benchmark::Counter::kIs1024);
}

void BM_HttpRequestIdentity(benchmark::State& state) {
    const std::string& body = text();
    runHttp(state, postRequest("Content-Length: " + std::to_string(body.size()) + "\r\n", body),
            body.size());
}
BENCHMARK(BM_HttpRequestIdentity);

void BM_HttpRequestChunked(benchmark::State& state) {
    const std::string& body = text();
    runHttp(state, postRequest("Transfer-Encoding: chunked\r\n", bench::chunked(body, 4096)),
            body.size());
}
BENCHMARK(BM_HttpRequestChunked);

void BM_HttpRequestGzip(benchmark::State& state) {
    const std::string z = bench::gzip(text());
    // Layers: the body as sent, then the inflated body.
    runHttp(state,
            postRequest("Content-Encoding: gzip\r\nContent-Length: " + std::to_string(z.size()) +
                            "\r\n",
                        z),
            z.size() + text().size());
}
BENCHMARK(BM_HttpRequestGzip);

void BM_SmtpMimeBase64(benchmark::State& state) {
    std::string attachment(kBody, '\0');
    uint64_t x = 88172645463325252ULL;
    for (char& c : attachment) // binary, as a real attachment (a PDF, a zip) is
        x ^= x << 13, x ^= x >> 7, x ^= x << 17, c = static_cast<char>(x);
    const std::string session = "EHLO client.example.com\r\n"
                                "MAIL FROM:<alice@example.com>\r\n"
                                "RCPT TO:<bob@example.org>\r\n"
                                "DATA\r\n"
                                "From: Alice <alice@example.com>\r\n"
                                "To: Bob <bob@example.org>\r\n"
                                "Subject: quarterly report\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Content-Type: multipart/mixed; boundary=\"b1_5f3a\"\r\n"
                                "\r\n"
                                "--b1_5f3a\r\n"
                                "Content-Type: text/plain; charset=utf-8\r\n"
                                "Content-Transfer-Encoding: 7bit\r\n"
                                "\r\n" +
                                text().substr(0, 2000) +
                                "\r\n--b1_5f3a\r\n"
                                "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
                                "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
                                "Content-Transfer-Encoding: base64\r\n"
                                "\r\n" +
                                bench::base64Encode(attachment) +
                                "--b1_5f3a--\r\n"
                                ".\r\n"
                                "QUIT\r\n";
    const auto in = bench::pieces(session);
    uint64_t decoded = 0;
    for (auto _ : state) {
        dpi::SmtpDecoderCounters counters;
        dpi::SmtpDecoder d({}, counters);
        CountingSink sink;
        for (std::string_view p : in)
            d.onData(bench::u8(p), static_cast<uint32_t>(p.size()), sink);
        d.onEnd(sink);
        benchmark::DoNotOptimize(sink.last);
        decoded += sink.bytes;
        if (counters.mime_parts != 2 || counters.parse_errors) {
            state.SkipWithError("unexpected decoding");
            break;
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * session.size()));
    state.counters["decoded"] = benchmark::Counter(
        static_cast<double>(decoded), benchmark::Counter::kIsRate, benchmark::Counter::kIs1024);
}
BENCHMARK(BM_SmtpMimeBase64);

struct CountingInflateOutput : dpi::InflateOutput {
    uint64_t bytes = 0;
    uint8_t last = 0;
    void inflated(const uint8_t* data, size_t len) override {
        bytes += len;
        if (len) last = data[len - 1];
    }
};

void BM_InflateGzip(benchmark::State& state) {
    const std::string z = bench::gzip(text());
    const auto in = bench::pieces(z);
    uint64_t out_bytes = 0;
    for (auto _ : state) {
        dpi::Inflater inflater(dpi::Inflater::Format::Gzip, 64ull << 20, 1000);
        CountingInflateOutput out;
        for (std::string_view p : in)
            inflater.feed(bench::u8(p), p.size(), out);
        benchmark::DoNotOptimize(out.last);
        out_bytes += out.bytes;
        if (inflater.status() != dpi::Inflater::Status::Finished || out.bytes != kBody) {
            state.SkipWithError("unexpected inflate");
            break;
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * z.size()));
    state.counters["inflated"] = benchmark::Counter(
        static_cast<double>(out_bytes), benchmark::Counter::kIsRate, benchmark::Counter::kIs1024);
}
BENCHMARK(BM_InflateGzip);

// Drives a part decoder the way MimeParser does: decode each piece into a scratch string, hand
// it on, clear it; finish at the end.
template <class Decoder>
void runPartDecoder(benchmark::State& state, const std::string& encoded, size_t expect) {
    const auto in = bench::pieces(encoded);
    std::string scratch;
    for (auto _ : state) {
        Decoder d;
        size_t out = 0;
        for (std::string_view p : in) {
            d.decode(bench::u8(p), p.size(), scratch);
            out += scratch.size();
            benchmark::DoNotOptimize(scratch.data());
            scratch.clear();
        }
        d.finish(scratch);
        out += scratch.size();
        scratch.clear();
        if (out != expect) {
            state.SkipWithError("unexpected decoding");
            break;
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * encoded.size()));
}

void BM_Base64Decode(benchmark::State& state) {
    runPartDecoder<dpi::Base64Decoder>(state, bench::base64Encode(text()), kBody);
}
BENCHMARK(BM_Base64Decode);

void BM_QuotedPrintableDecode(benchmark::State& state) {
    runPartDecoder<dpi::QuotedPrintableDecoder>(state, bench::quotedPrintableEncode(text()), kBody);
}
BENCHMARK(BM_QuotedPrintableDecode);

} // namespace
