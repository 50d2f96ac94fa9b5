#pragma once
// Ed25519 keys from PEM (OpenSSL 3): a PKCS#8 private key as `openssl genpkey -algorithm
// ed25519` writes it, a SubjectPublicKeyInfo public key as `openssl pkey -pubout` writes it.
// Start-up only (the signing command, a sensor's configuration): errors throw KeyError with a
// one-line message naming the key.

#include <openssl/evp.h>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/c_handle.h"

namespace egressmon::fleet {

struct KeyError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using EvpPkey = core::CHandle<EVP_PKEY, EVP_PKEY_free>;
using EvpMdCtx = core::CHandle<EVP_MD_CTX, EVP_MD_CTX_free>;

// `what` names the key in messages ("private key '/etc/k.pem'"). An encrypted private key is
// refused, never prompted for.
EvpPkey privateKeyFromPem(std::string_view pem, const std::string& what);
EvpPkey publicKeyFromPem(std::string_view pem, const std::string& what);

// The key id bundles carry: the first 16 hex digits of SHA-256 over the raw 32-byte public key
// (the same for a private key and its public half).
std::string keyIdOf(const EVP_PKEY* key);

// Reads a private key file that must be readable by its owner only (mode 0600 or 0400) and
// trusted as core/path_trust.h checks rule files: whoever can read it can sign policies.
EvpPkey readPrivateKeyFile(const std::string& path);
// Reads a public key file, trusted as core/path_trust.h checks rule files: whoever can replace
// it decides which policies a sensor accepts.
EvpPkey readPublicKeyFile(const std::string& path);

} // namespace egressmon::fleet
