#pragma once
// Tells apart, in one direction of a TLS connection, the bytes worth matching from ciphertext.
// The records' framing is in the clear (RFC 8446 5.1, RFC 5246 6.2): a 5-byte header (content
// type, legacy version, length) before each record. Application-data records (23) are skipped:
// matching keywords against ciphertext finds nothing but coincidences and costs a Hyperscan
// stream per flow (Suricata's default `encryption-handling` skips them the same way). Every
// other record's body is read: the handshake (the ClientHello with its server name and ALPN,
// TLS 1.2 certificates), and the change-cipher-spec, alert and heartbeat records, a few bytes
// each in real TLS, so that they cannot carry plaintext past the sensor.
//
// The filter follows the framing only while every header is one a TLS stack would send; the
// first that is not (plaintext sent after a hello, a protocol that is not TLS after all, a gap
// longer than the record it fell in) loses the framing for good and the caller scans the rest
// of the direction as it is, so sending a hello first hides nothing. Bytes framed as
// application-data records are not read whoever sends them: to the sensor they are ciphertext.
//
// Thread: the worker owning the session. noexcept, no allocation.

#include <cstdint>

#include "dpi/decode/sniff_result.h"

namespace egressmon::dpi {

// Does a direction start with a TLS handshake record? (content type 22, version 3.x)
SniffResult sniffTlsRecord(const uint8_t* prefix, uint32_t len) noexcept;

class TlsRecordFilter {
  public:
    static constexpr uint32_t kHeaderBytes = 5;
    // TLSCiphertext.length is at most 2^14 + 256 (TLS 1.3) or 2^14 + 2048 (TLS 1.2).
    static constexpr uint32_t kMaxRecordBytes = (1u << 14) + 2048;

    enum class Run : uint8_t {
        kRead,       // match these bytes
        kFraming,    // record headers
        kCiphertext, // application data
    };

    // Walks the next `len` bytes of the direction and calls run(kind, bytes, n) for each run, in
    // stream order. A header cut by a chunk boundary is held (at most 4 bytes) until it is whole,
    // then given as framing, or as bytes to read when it is no header at all (the framing is
    // lost there: it and everything after it are read, lost() says so from then on), so every
    // byte of the direction is given exactly once whatever the chunking.
    template <class Runs> void walk(const uint8_t* data, uint32_t len, Runs&& run) noexcept;
    // `missing` bytes are lost. In step when they all fall inside the current record's body;
    // otherwise the framing is lost, and a header held so far is given to read first.
    template <class Runs> void gap(uint64_t missing, Runs&& run) noexcept;

    // The direction ends: a header held so far (cut by the end) is given to read.
    template <class Runs> void end(Runs&& run) noexcept;

    bool lost() const noexcept { return lost_; }
    // Header bytes walked but not yet given (at most 4): a caller that drops the filter counts
    // them as passed.
    uint32_t heldBytes() const noexcept { return header_len_; }
    uint64_t records() const noexcept { return records_; }

  private:
    // Judges the whole header in header_: the next record, or the framing lost.
    void judgeHeader() noexcept;

    uint8_t header_[kHeaderBytes] = {};
    uint8_t header_len_ = 0;
    bool lost_ = false;
    Run body_run_ = Run::kRead;
    uint32_t body_left_ = 0;
    uint64_t records_ = 0;
};

template <class Runs>
void TlsRecordFilter::walk(const uint8_t* data, uint32_t len, Runs&& run) noexcept {
    uint32_t pos = 0;
    while (pos < len && !lost_) {
        if (body_left_ > 0) {
            const uint32_t n = len - pos < body_left_ ? len - pos : body_left_;
            body_left_ -= n;
            run(body_run_, data + pos, n);
            pos += n;
            continue;
        }
        while (header_len_ < kHeaderBytes && pos < len)
            header_[header_len_++] = data[pos++];
        if (header_len_ < kHeaderBytes) break; // held until the next chunk
        judgeHeader();
        run(lost_ ? Run::kRead : Run::kFraming, header_, kHeaderBytes);
        header_len_ = 0;
    }
    if (lost_ && pos < len) run(Run::kRead, data + pos, len - pos);
}

template <class Runs> void TlsRecordFilter::gap(uint64_t missing, Runs&& run) noexcept {
    if (lost_ || missing == 0) return;
    if (header_len_ == 0 && missing <= body_left_) {
        body_left_ -= static_cast<uint32_t>(missing);
        return;
    }
    lost_ = true;
    if (header_len_ > 0) run(Run::kRead, header_, header_len_);
    header_len_ = 0;
}

template <class Runs> void TlsRecordFilter::end(Runs&& run) noexcept {
    if (header_len_ > 0) run(Run::kRead, header_, header_len_);
    header_len_ = 0;
}

} // namespace egressmon::dpi
