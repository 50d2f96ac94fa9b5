// fleet/bundle_signer.h, bundle_verifier.h, ed25519_key.h: sign and verify with keys made here
// (OpenSSL), every single-byte change refused, other keys, bad rules, keys of the wrong type and
// key files others can read.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "fleet/bundle_signer.h"
#include "fleet/bundle_verifier.h"

using namespace egressmon;
using namespace egressmon::fleet;

namespace {

using Bio = core::CHandle<BIO, BIO_free>;

EvpPkey generate(const char* type) {
    EvpPkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
    if (!key) throw std::runtime_error("keygen failed");
    return key;
}

std::string bioText(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<size_t>(n));
}

std::string privatePem(const EvpPkey& key) {
    Bio bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    return bioText(bio.get());
}

std::string publicPem(const EvpPkey& key) {
    Bio bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PUBKEY(bio.get(), key.get());
    return bioText(bio.get());
}

// One signing key pair, as PEM text, so each test builds its own handles from it.
struct KeyPair {
    std::string private_pem, public_pem;
    KeyPair() {
        const EvpPkey key = generate("ED25519");
        private_pem = privatePem(key);
        public_pem = publicPem(key);
    }
    BundleSigner signer() const { return BundleSigner(privateKeyFromPem(private_pem, "test key")); }
    EvpPkey publicKey() const { return publicKeyFromPem(public_pem, "test key"); }
};

BundleVerifier verifierFor(const std::vector<const KeyPair*>& pairs) {
    std::vector<EvpPkey> keys;
    for (const KeyPair* p : pairs)
        keys.push_back(p->publicKey());
    return BundleVerifier(std::move(keys));
}

const std::vector<BundleFile> kFiles = {
    {"a.yaml", "rules:\n  - {id: 1, name: secret, keywords: [topsecret]}\n"},
    {"b.yaml", "rules:\n  - {id: 2, name: card, regex: ['\\d{16}']}\n"},
};

} // namespace

TEST(BundleVerifier, SignedBundleVerifiesAndCompiles) {
    const KeyPair pair;
    const BundleSigner signer = pair.signer();
    const std::string bytes = serializeBundle(signer.sign(kFiles, 7, 1718000000000));
    const VerifyResult r = verifierFor({&pair}).verify(bytes);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.key_id, signer.keyId());
    EXPECT_EQ(r.bundle->version, 7u);
    EXPECT_EQ(r.bundle->files, kFiles);
    ASSERT_TRUE(r.rules);
    EXPECT_EQ(r.rules->rules().size(), 2u);
    // The same policy version as the same texts loaded as --rules files.
    std::vector<rules::RuleText> texts;
    for (const BundleFile& f : kFiles)
        texts.push_back({f.name, f.bytes});
    EXPECT_EQ(r.rules->policyVersion(), rules::RuleSet::loadTexts(texts)->policyVersion());
}

TEST(BundleVerifier, KeyIdIsTheSameForBothHalvesAndDiffersBetweenKeys) {
    const KeyPair a, b;
    const std::string id = keyIdOf(privateKeyFromPem(a.private_pem, "k").get());
    EXPECT_EQ(id, keyIdOf(a.publicKey().get()));
    EXPECT_EQ(id.size(), kKeyIdHexDigits);
    EXPECT_NE(id, keyIdOf(b.publicKey().get()));
}

TEST(BundleVerifier, EverySingleByteChangeIsRefused) {
    const KeyPair pair;
    const std::vector<BundleFile> small = {{"r.yaml", "rules: []\n"}};
    const std::string bytes = serializeBundle(pair.signer().sign(small, 1, 2));
    const BundleVerifier verifier = verifierFor({&pair});
    ASSERT_TRUE(verifier.verify(bytes).ok()) << verifier.verify(bytes).error;
    for (size_t i = 0; i < bytes.size(); ++i) {
        for (const unsigned char mask : {0x01, 0x20, 0x80, 0xff}) {
            std::string changed = bytes;
            changed[i] = static_cast<char>(changed[i] ^ mask);
            const VerifyResult r = verifier.verify(changed);
            EXPECT_FALSE(r.ok()) << "byte " << i << " ^ " << int(mask);
            EXPECT_FALSE(r.error.empty());
            EXPECT_FALSE(r.rules);
        }
    }
}

TEST(BundleVerifier, EveryTruncationIsRefused) {
    const KeyPair pair;
    const std::string bytes = serializeBundle(pair.signer().sign(kFiles, 1, 2));
    const BundleVerifier verifier = verifierFor({&pair});
    for (size_t n = 0; n < bytes.size(); ++n)
        EXPECT_EQ(verifier.verify(std::string_view(bytes).substr(0, n)).outcome,
                  VerifyOutcome::kMalformed)
            << n;
}

TEST(BundleVerifier, AnotherKeyIsUnknownAndItsIdCannotBeBorrowed) {
    const KeyPair trusted, other;
    const BundleVerifier verifier = verifierFor({&trusted});
    const PolicyBundle by_other = other.signer().sign(kFiles, 1, 2);
    const VerifyResult unknown = verifier.verify(serializeBundle(by_other));
    EXPECT_EQ(unknown.outcome, VerifyOutcome::kUnknownKey);
    EXPECT_NE(unknown.error.find(by_other.key_id), std::string::npos) << unknown.error;

    // Relabelled with the trusted key's id, the other key's signature does not hold.
    PolicyBundle relabelled = by_other;
    relabelled.key_id = trusted.signer().keyId();
    EXPECT_EQ(verifier.verify(serializeBundle(relabelled)).outcome, VerifyOutcome::kBadSignature);
}

TEST(BundleVerifier, ReportsWhichOfSeveralKeysSigned) {
    const KeyPair a, b;
    const BundleVerifier verifier = verifierFor({&a, &b});
    EXPECT_EQ(verifier.keyIds(),
              (std::vector<std::string>{a.signer().keyId(), b.signer().keyId()}));
    const VerifyResult r = verifier.verify(serializeBundle(b.signer().sign(kFiles, 1, 2)));
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.key_id, b.signer().keyId());
}

TEST(BundleVerifier, SignedButUncompilableRulesAreRefusedNamingTheFile) {
    const KeyPair pair;
    const std::vector<BundleFile> bad = {
        kFiles[0], {"broken.yaml", "rules:\n  - {id: 3, name: x, regex: ['(unclosed']}\n"}};
    const VerifyResult r =
        verifierFor({&pair}).verify(serializeBundle(pair.signer().sign(bad, 1, 2)));
    EXPECT_EQ(r.outcome, VerifyOutcome::kBadRules);
    EXPECT_NE(r.error.find("broken.yaml"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find('\n'), std::string::npos) << r.error;

    const std::vector<BundleFile> not_yaml = {{"x.yaml", "rules: [\n"}};
    EXPECT_EQ(
        verifierFor({&pair}).verify(serializeBundle(pair.signer().sign(not_yaml, 1, 2))).outcome,
        VerifyOutcome::kBadRules);
}

TEST(BundleVerifier, RuleErrorQuotingAControlByteStaysOneLine) {
    // Found by policy_bundle_fuzz: yaml-cpp's message for a NUL inside a flow sequence quotes
    // a control byte; the refusal must stay one printable line.
    const KeyPair pair;
    const std::vector<BundleFile> files = {
        {"q.yaml",
         std::string("rules:\n  - id: 1\n    name: a\n    risks: [DESKTOP_O\0\nX]\n", 55)}};
    ASSERT_EQ(files[0].bytes.back(), '\n');
    const VerifyResult r =
        verifierFor({&pair}).verify(serializeBundle(pair.signer().sign(files, 1, 2)));
    EXPECT_EQ(r.outcome, VerifyOutcome::kBadRules);
    for (const char c : r.error)
        EXPECT_GE(static_cast<unsigned char>(c), 0x20) << r.error;
    EXPECT_NE(r.error.find("q.yaml"), std::string::npos) << r.error;
}

TEST(Ed25519Key, KeysOfTheWrongTypeAreRefused) {
    const KeyPair pair;
    const EvpPkey x25519 = generate("X25519");
    EXPECT_THROW(privateKeyFromPem(privatePem(x25519), "k"), KeyError);
    EXPECT_THROW(publicKeyFromPem(publicPem(x25519), "k"), KeyError);
    try {
        publicKeyFromPem(publicPem(x25519), "public key 'x.pem'");
        FAIL();
    } catch (const KeyError& e) {
        EXPECT_NE(std::string(e.what()).find("not Ed25519"), std::string::npos) << e.what();
    }
    // Each half where the other is expected, garbage, and nothing.
    EXPECT_THROW(privateKeyFromPem(pair.public_pem, "k"), KeyError);
    EXPECT_THROW(publicKeyFromPem(pair.private_pem, "k"), KeyError);
    EXPECT_THROW(
        publicKeyFromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "k"),
        KeyError);
    EXPECT_THROW(privateKeyFromPem("", "k"), KeyError);
    EXPECT_THROW(BundleVerifier({}), KeyError);
}

TEST(Ed25519Key, EncryptedPrivateKeyIsRefusedNotPromptedFor) {
    const EvpPkey key = generate("ED25519");
    Bio bio(BIO_new(BIO_s_mem()));
    ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_128_cbc(), nullptr, 0,
                                            nullptr, const_cast<char*>("secret")),
              1);
    EXPECT_THROW(privateKeyFromPem(bioText(bio.get()), "k"), KeyError);
}

TEST(Ed25519Key, PrivateKeyFileReadableByOthersIsRefused) {
    const KeyPair pair;
    const auto dir = std::filesystem::temp_directory_path() /
                     ("egressmon-key-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "signing.pem").string();
    std::ofstream(path) << pair.private_pem;
    ::chmod(path.c_str(), 0600);
    EXPECT_NO_THROW(readPrivateKeyFile(path));
    ::chmod(path.c_str(), 0640);
    try {
        readPrivateKeyFile(path);
        ADD_FAILURE() << "a group-readable key was read";
    } catch (const KeyError& e) {
        EXPECT_NE(std::string(e.what()).find("mode 0640"), std::string::npos) << e.what();
    }
    // A public key may be world-readable, but not world-writable.
    const std::string pub = (dir / "signing.pub").string();
    std::ofstream(pub) << pair.public_pem;
    ::chmod(pub.c_str(), 0644);
    EXPECT_NO_THROW(readPublicKeyFile(pub));
    ::chmod(pub.c_str(), 0666);
    EXPECT_THROW(readPublicKeyFile(pub), KeyError);
    EXPECT_THROW(readPublicKeyFile((dir / "missing.pem").string()), KeyError);
    std::filesystem::remove_all(dir);
}
