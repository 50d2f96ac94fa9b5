#include "dpi/file/sha256_digest.h"

namespace egressmon::dpi {

bool Sha256Digest::begin() noexcept {
    if (!ctx_) ctx_.reset(EVP_MD_CTX_new());
    active_ = ctx_ && EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) == 1;
    return active_;
}

void Sha256Digest::update(const uint8_t* data, size_t len) noexcept {
    if (active_ && len > 0) active_ = EVP_DigestUpdate(ctx_.get(), data, len) == 1;
}

bool Sha256Digest::finish(char (&hex)[65]) noexcept {
    if (!active_) return false;
    active_ = false;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest, &n) != 1 || n != 32) return false;
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; ++i) {
        hex[2 * i] = kHex[digest[i] >> 4];
        hex[2 * i + 1] = kHex[digest[i] & 0xf];
    }
    hex[64] = '\0';
    return true;
}

} // namespace egressmon::dpi
