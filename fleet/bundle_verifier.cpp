#include "bundle_verifier.h"

#include <openssl/err.h>

namespace egressmon::fleet {

namespace {

// The rule loader's messages may quote the file (a YAML error shows the offending character,
// a newline included): control bytes are written as \xHH so the refusal stays one line.
std::string oneLine(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0x20 && b != 0x7f) {
            out += c;
            continue;
        }
        constexpr char kHex[] = "0123456789abcdef";
        out += "\\x";
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out;
}

} // namespace

const char* outcomeName(VerifyOutcome outcome) {
    switch (outcome) {
    case VerifyOutcome::kOk: return "ok";
    case VerifyOutcome::kMalformed: return "malformed";
    case VerifyOutcome::kUnknownKey: return "unknown_key";
    case VerifyOutcome::kBadSignature: return "bad_signature";
    case VerifyOutcome::kBadRules: return "bad_rules";
    }
    return "unknown";
}

BundleVerifier::BundleVerifier(std::vector<EvpPkey> public_keys, BundleLimits limits)
    : limits_(limits) {
    if (public_keys.empty()) throw KeyError("no public key to verify policy bundles with");
    for (EvpPkey& key : public_keys) {
        std::string id = keyIdOf(key.get());
        keys_.push_back(TrustedKey{std::move(id), std::move(key)});
    }
}

std::vector<std::string> BundleVerifier::keyIds() const {
    std::vector<std::string> ids;
    for (const TrustedKey& k : keys_)
        ids.push_back(k.id);
    return ids;
}

VerifyResult BundleVerifier::verify(std::string_view bundle_bytes) const {
    VerifyResult result;
    ParsedBundle parsed = parseBundle(bundle_bytes, limits_);
    if (!parsed.bundle) {
        result.error = "malformed bundle: " + parsed.error;
        return result;
    }
    result.key_id = parsed.bundle->key_id;
    const TrustedKey* trusted = nullptr;
    for (const TrustedKey& k : keys_)
        if (k.id == result.key_id) trusted = &k;
    if (trusted == nullptr) {
        result.outcome = VerifyOutcome::kUnknownKey;
        result.error = "signed by key id " + result.key_id + ", which is not a configured key";
        return result;
    }
    // The key id is only a hint to pick the key: what proves the bundle is the signature over
    // the exact bytes received (parseBundle accepts one spelling, so they are also canonical).
    EvpMdCtx ctx(EVP_MD_CTX_new());
    const auto* sig = reinterpret_cast<const unsigned char*>(parsed.bundle->signature.data());
    const auto* msg = reinterpret_cast<const unsigned char*>(parsed.signed_part.data());
    const bool good =
        ctx &&
        EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, trusted->key.get()) == 1 &&
        EVP_DigestVerify(ctx.get(), sig, parsed.bundle->signature.size(), msg,
                         parsed.signed_part.size()) == 1;
    ERR_clear_error(); // a failed verification queues errors nobody will read
    if (!good) {
        result.outcome = VerifyOutcome::kBadSignature;
        result.error = "bad signature (key id " + result.key_id + ")";
        return result;
    }
    result.bundle = std::move(parsed.bundle);
    std::vector<rules::RuleText> texts;
    for (const BundleFile& file : result.bundle->files)
        texts.push_back(rules::RuleText{file.name, file.bytes});
    try {
        result.rules = rules::RuleSet::loadTexts(texts);
    } catch (const std::exception& e) {
        // RuleError names file and line; anything else from the parser (a YAML library error,
        // out of memory) is a refusal all the same, never an escape.
        result.outcome = VerifyOutcome::kBadRules;
        result.error = "rules do not compile: " + oneLine(e.what());
        return result;
    }
    result.outcome = VerifyOutcome::kOk;
    return result;
}

} // namespace egressmon::fleet
