// PEM decoding through a memory BIO, so the file is read (and its permissions checked) by us,
// on the descriptor we opened, and OpenSSL only ever sees bytes.

#include "ed25519_key.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/path_trust.h"
#include "core/unique_fd.h"

namespace egressmon::fleet {

namespace {

using Bio = core::CHandle<BIO, BIO_free>;

// The last error OpenSSL queued (the most specific one), and the queue cleared.
std::string opensslError() {
    unsigned long code = 0, last = 0;
    while ((code = ERR_get_error()) != 0)
        last = code;
    if (last == 0) return "no key found";
    if (const char* reason = ERR_reason_error_string(last)) return reason;
    char text[256];
    ERR_error_string_n(last, text, sizeof text);
    return text;
}

// Refuses to ask for a passphrase: a sensor or a script has no one to type it.
int noPassphrase(char*, int, int, void*) {
    return -1;
}

Bio memoryBio(std::string_view pem) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw KeyError("out of memory reading a key");
    return bio;
}

void requireEd25519(const EvpPkey& key, const std::string& what) {
    if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
        const char* type = EVP_PKEY_get0_type_name(key.get());
        throw KeyError(what + " is " + (type ? std::string("an ") + type : "another type of") +
                       " key, not Ed25519");
    }
}

std::string readKeyFile(const std::string& path, const std::string& what, bool private_key) {
    core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw KeyError("cannot read " + what + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw KeyError("cannot read " + what + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw KeyError("refusing " + what + ": not a regular file");
    if (const std::string why = core::whyFileIsUntrusted(fd.get(), path); !why.empty())
        throw KeyError("refusing " + what + ": " + why);
    if (private_key && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw KeyError("refusing " + what + ": group or other users have access to it (mode " +
                       mode + "; chmod 600 it)");
    }
    constexpr size_t kMaxPem = 64 * 1024; // an Ed25519 PEM is about 120 bytes
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw KeyError("cannot read " + what + ": " + std::strerror(errno));
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > kMaxPem) throw KeyError("refusing " + what + ": larger than 64 KiB");
    }
    return text;
}

} // namespace

EvpPkey privateKeyFromPem(std::string_view pem, const std::string& what) {
    ERR_clear_error();
    Bio bio = memoryBio(pem);
    EvpPkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
    if (!key)
        throw KeyError(what + ": not an unencrypted PEM private key (" + opensslError() + ")");
    requireEd25519(key, what);
    return key;
}

EvpPkey publicKeyFromPem(std::string_view pem, const std::string& what) {
    ERR_clear_error();
    Bio bio = memoryBio(pem);
    EvpPkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, noPassphrase, nullptr));
    if (!key) throw KeyError(what + ": not a PEM public key (" + opensslError() + ")");
    requireEd25519(key, what);
    return key;
}

std::string keyIdOf(const EVP_PKEY* key) {
    unsigned char raw[32];
    size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != sizeof raw)
        throw KeyError("cannot read the raw Ed25519 public key (" + opensslError() + ")");
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(raw, len, digest);
    char hex[17];
    for (int i = 0; i < 8; ++i)
        std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return std::string(hex, 16);
}

EvpPkey readPrivateKeyFile(const std::string& path) {
    const std::string what = "private key '" + path + "'";
    return privateKeyFromPem(readKeyFile(path, what, true), what);
}

EvpPkey readPublicKeyFile(const std::string& path) {
    const std::string what = "public key '" + path + "'";
    return publicKeyFromPem(readKeyFile(path, what, false), what);
}

} // namespace egressmon::fleet
