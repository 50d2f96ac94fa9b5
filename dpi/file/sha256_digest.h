#pragma once
// The SHA-256 of a file as it streams past (fileinfo.sha256), with OpenSSL's EVP digest. One
// context per layer-table slot, allocated on first use and re-initialised for each file, so a
// file costs no allocation.
//
// Thread: the worker owning the layer table. noexcept: a context OpenSSL cannot allocate (or an
// update it refuses) just leaves the file without a digest.

#include <cstddef>
#include <cstdint>
#include <openssl/evp.h>
#include <string>

#include "core/c_handle.h"

namespace egressmon::dpi {

class Sha256Digest {
  public:
    // Starts a new digest; false when OpenSSL cannot (no digest for this file).
    bool begin() noexcept;
    void update(const uint8_t* data, size_t len) noexcept;
    // The digest as 64 lowercase hex digits; false when there is none (not begun, failed).
    bool finish(char (&hex)[65]) noexcept;
    bool active() const noexcept { return active_; }

  private:
    core::CHandle<EVP_MD_CTX, EVP_MD_CTX_free> ctx_;
    bool active_ = false;
};

} // namespace egressmon::dpi
