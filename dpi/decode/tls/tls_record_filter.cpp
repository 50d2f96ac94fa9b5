#include "dpi/decode/tls/tls_record_filter.h"

namespace egressmon::dpi {

namespace {
constexpr uint8_t kChangeCipherSpec = 20;
constexpr uint8_t kHeartbeat = 24;
constexpr uint8_t kHandshake = 22; // the only type a direction may start with
constexpr uint8_t kApplicationData = 23;

// SSL 3.0 (3.0) to TLS 1.3's legacy versions (3.1-3.3); 3.4 is not sent but harmless.
bool versionLooksRight(uint8_t major, uint8_t minor) noexcept {
    return major == 3 && minor <= 4;
}
} // namespace

SniffResult sniffTlsRecord(const uint8_t* prefix, uint32_t len) noexcept {
    if (len >= 1 && prefix[0] != kHandshake) return SniffResult::kNo;
    if (len >= 2 && prefix[1] != 3) return SniffResult::kNo;
    if (len >= 3 && !versionLooksRight(prefix[1], prefix[2])) return SniffResult::kNo;
    if (len < TlsRecordFilter::kHeaderBytes) return SniffResult::kNeedMore;
    const uint32_t length = (uint32_t{prefix[3]} << 8) | prefix[4];
    return length > 0 && length <= TlsRecordFilter::kMaxRecordBytes ? SniffResult::kYes
                                                                    : SniffResult::kNo;
}

void TlsRecordFilter::judgeHeader() noexcept {
    const uint8_t type = header_[0];
    const uint32_t length = (uint32_t{header_[3]} << 8) | header_[4];
    if (type < kChangeCipherSpec || type > kHeartbeat ||
        !versionLooksRight(header_[1], header_[2]) || length > kMaxRecordBytes) {
        lost_ = true;
        return;
    }
    ++records_;
    body_left_ = length;
    // Only application data is skipped. Change-cipher-spec, alert and heartbeat bodies are a
    // few bytes in real TLS; read, they cost nothing, and a peer that hides plaintext in long
    // ones gains nothing.
    body_run_ = type == kApplicationData ? Run::kCiphertext : Run::kRead;
}

} // namespace egressmon::dpi
