#pragma once
// Signs policy bundles with one Ed25519 private key (`egressmon policy sign`). Main thread of
// the signing command only; construction throws KeyError, sign() throws KeyError only when
// OpenSSL itself fails.

#include <cstdint>
#include <string>
#include <vector>

#include "ed25519_key.h"
#include "policy_bundle.h"

namespace egressmon::fleet {

class BundleSigner {
  public:
    explicit BundleSigner(EvpPkey private_key);

    // The id a bundle signed here carries (keyIdOf the key's public half).
    const std::string& keyId() const { return key_id_; }

    // A complete bundle of `files`: key id set, signature over signedBytes().
    PolicyBundle sign(std::vector<BundleFile> files, uint64_t version, uint64_t created_ms) const;

  private:
    EvpPkey key_;
    std::string key_id_;
};

} // namespace egressmon::fleet
