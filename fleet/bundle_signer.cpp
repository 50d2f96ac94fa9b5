#include "bundle_signer.h"

#include <openssl/err.h>

namespace egressmon::fleet {

BundleSigner::BundleSigner(EvpPkey private_key)
    : key_(std::move(private_key)), key_id_(keyIdOf(key_.get())) {}

PolicyBundle BundleSigner::sign(std::vector<BundleFile> files, uint64_t version,
                                uint64_t created_ms) const {
    PolicyBundle bundle;
    bundle.version = version;
    bundle.created_ms = created_ms;
    bundle.key_id = key_id_;
    bundle.files = std::move(files);
    const std::string message = signedBytes(bundle);
    // Ed25519 hashes the message itself: no digest is named (NULL), and the whole message goes
    // to one EVP_DigestSign call (Ed25519 has no streaming update).
    EvpMdCtx ctx(EVP_MD_CTX_new());
    unsigned char signature[kSignatureBytes];
    size_t length = sizeof signature;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), signature, &length,
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1 ||
        length != kSignatureBytes) {
        char text[256] = "unknown error";
        if (const unsigned long code = ERR_get_error(); code != 0)
            ERR_error_string_n(code, text, sizeof text);
        ERR_clear_error();
        throw KeyError(std::string("signing failed: ") + text);
    }
    bundle.signature.assign(reinterpret_cast<const char*>(signature), length);
    return bundle;
}

} // namespace egressmon::fleet
