// Signed policy bundles (fleet/policy_bundle.h, bundle_verifier.h): the input is a bundle's
// bytes. Bad input must give an error value with one line, never an exception or a crash. A
// parsed bundle must serialise back to exactly the input (one spelling per field: the signed
// bytes are canonical), and its signed part must be signedBytes() of it. Then the verifier: a
// bundle under a key id it does not know is refused as kUnknownKey, never accepted; the same
// files signed by its own key are accepted, or refused only for their rules (kBadRules), with a
// compiled RuleSet exactly on success.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <openssl/evp.h>
#include <string_view>
#include <vector>

#include "fleet/bundle_signer.h"
#include "fleet/bundle_verifier.h"

using namespace egressmon;

namespace {

// One Ed25519 key pair made at start: the signer holds the private key, the verifier its
// public half (rebuilt from the raw 32 bytes).
struct Keys {
    fleet::EvpPkey private_key{EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")};
    fleet::BundleVerifier verifier{publicHalf(private_key.get())};
    fleet::BundleSigner signer{std::move(private_key)};

    static std::vector<fleet::EvpPkey> publicHalf(const EVP_PKEY* key) {
        unsigned char raw[32];
        size_t len = sizeof raw;
        if (key == nullptr || EVP_PKEY_get_raw_public_key(key, raw, &len) != 1) std::abort();
        std::vector<fleet::EvpPkey> keys;
        keys.emplace_back(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw, len));
        if (!keys.back()) std::abort();
        return keys;
    }
};

void checkOneLine(const std::string& error) {
    if (error.empty() || error.find('\n') != std::string::npos) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Keys keys;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const fleet::ParsedBundle parsed = fleet::parseBundle(input);
    const fleet::VerifyResult as_is = keys.verifier.verify(input);
    if (!parsed.bundle) {
        checkOneLine(parsed.error);
        if (as_is.outcome != fleet::VerifyOutcome::kMalformed) std::abort();
        checkOneLine(as_is.error);
        return 0;
    }
    if (fleet::serializeBundle(*parsed.bundle) != input) std::abort();
    if (parsed.signed_part != fleet::signedBytes(*parsed.bundle)) std::abort();
    // A forged input cannot carry a valid signature by this run's key.
    if (parsed.bundle->key_id == keys.signer.keyId()) {
        if (as_is.outcome != fleet::VerifyOutcome::kBadSignature) std::abort();
    } else if (as_is.outcome != fleet::VerifyOutcome::kUnknownKey) {
        std::abort();
    }
    checkOneLine(as_is.error);

    const std::string resigned = fleet::serializeBundle(
        keys.signer.sign(parsed.bundle->files, parsed.bundle->version, parsed.bundle->created_ms));
    const fleet::VerifyResult own = keys.verifier.verify(resigned);
    if (own.ok()) {
        if (!own.rules || !own.error.empty() || !own.bundle) std::abort();
        if (own.bundle->files != parsed.bundle->files) std::abort();
    } else {
        if (own.outcome != fleet::VerifyOutcome::kBadRules || own.rules) std::abort();
        checkOneLine(own.error);
    }
    return 0;
}
