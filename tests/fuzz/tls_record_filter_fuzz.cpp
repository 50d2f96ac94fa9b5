// TlsRecordFilter (dpi/decode/tls/tls_record_filter.h) over one direction's bytes.
//
// Input: [split seed: 4][gap at: 2][gap length: 2] then the stream.
// Checks: every byte is given exactly once (read + framing + ciphertext = bytes walked), runs
// stay inside the chunk or the filter's own header, and the same stream split any way gives the
// same read bytes and counts; a gap after `gap at` bytes (when its length is not 0) is then
// taken the same way in both runs.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dpi/decode/tls/tls_record_filter.h"
#include "fuzz_input.h"

using namespace egressmon;
using dpi::TlsRecordFilter;

namespace {

struct Outcome {
    std::string read;
    uint64_t framing = 0, ciphertext = 0, records = 0;
    bool lost = false;
    bool operator==(const Outcome&) const = default;
};

Outcome run(std::span<const uint8_t> stream, uint32_t seed, size_t gap_at, uint16_t gap) {
    TlsRecordFilter f;
    Outcome o;
    uint64_t walked = 0, given = 0;
    const uint8_t* chunk = nullptr;
    size_t chunk_len = 0;
    const auto take = [&](TlsRecordFilter::Run kind, const uint8_t* bytes, uint32_t n) {
        const bool in_chunk = chunk && bytes >= chunk && bytes + n <= chunk + chunk_len;
        if (!in_chunk && n > TlsRecordFilter::kHeaderBytes) std::abort(); // a held header only
        given += n;
        if (kind == TlsRecordFilter::Run::kRead)
            o.read.append(reinterpret_cast<const char*>(bytes), n);
        if (kind == TlsRecordFilter::Run::kFraming) o.framing += n;
        if (kind == TlsRecordFilter::Run::kCiphertext) o.ciphertext += n;
    };
    const auto feed = [&](std::span<const uint8_t> part) {
        fuzz::feedInPieces(part, seed, 512, [&](const uint8_t* piece, size_t n) {
            chunk = piece, chunk_len = n;
            f.walk(piece, static_cast<uint32_t>(n), take);
            walked += n;
        });
        chunk = nullptr, chunk_len = 0;
    };
    gap_at = std::min(gap_at, stream.size());
    feed(stream.subspan(0, gap_at));
    if (gap > 0) f.gap(gap, take);
    feed(stream.subspan(gap_at));
    f.end(take);
    // Bytes held at a gap that loses the framing, or at the end, are given then: never more
    // than were walked, and all of them by the end.
    if (given != walked) std::abort();
    o.records = f.records();
    o.lost = f.lost();
    return o;
}

// The same rules written over the whole stream at once, without the filter's state machine:
// the bytes to read (every body but application data's, everything from the first bad header
// on, a header cut by the end) and the application-data bytes.
Outcome reference(std::span<const uint8_t> s) {
    Outcome o;
    size_t pos = 0;
    while (s.size() - pos >= TlsRecordFilter::kHeaderBytes) {
        const uint8_t type = s[pos];
        const size_t length = (size_t{s[pos + 3]} << 8) | s[pos + 4];
        if (type < 20 || type > 24 || s[pos + 1] != 3 || s[pos + 2] > 4 ||
            length > TlsRecordFilter::kMaxRecordBytes) {
            o.lost = true;
            break;
        }
        ++o.records;
        o.framing += TlsRecordFilter::kHeaderBytes;
        pos += TlsRecordFilter::kHeaderBytes;
        const size_t body = std::min(length, s.size() - pos);
        if (type == 23)
            o.ciphertext += body;
        else
            o.read.append(reinterpret_cast<const char*>(s.data() + pos), body);
        pos += body;
    }
    o.read.append(reinterpret_cast<const char*>(s.data() + pos), s.size() - pos);
    return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint32_t seed = in.u32() | 1;
    const size_t gap_at = in.u16();
    const uint16_t gap = in.u16();
    const std::span<const uint8_t> stream = in.rest();
    const Outcome whole = run(stream, 0, gap_at, gap);
    if (!(whole == run(stream, seed, gap_at, gap))) std::abort();
    if (gap == 0 && !(whole == reference(stream))) std::abort();
    return 0;
}
