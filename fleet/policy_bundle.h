#pragma once
// A signed policy bundle: the rule files a fleet of sensors runs, with a version, a creation
// time, the signer's key id and an Ed25519 signature. The format (README "Signed policy
// bundles") is text lines with length-prefixed file bodies, so `less BUNDLE` shows everything:
//
//   egressmon-policy-bundle 1\n
//   version: 1718000000000\n          decimal, 1..2^64-1, no leading zero
//   created-ms: 1718000000000\n       milliseconds since the epoch, UTC, no leading zero
//   key-id: 0123456789abcdef\n        16 lowercase hex digits
//   files: 2\n                        1..limits.max_files
//   file: 812 default.yaml\n          byte count, one space, the name; then the bytes and \n
//   <812 bytes>\n
//   file: 97 site.yaml\n
//   <97 bytes>\n
//   signature: <128 lowercase hex digits>\n
//
// The signed bytes are everything before "signature: ". The parser accepts exactly one spelling
// of each field (no optional spaces, no leading zeros, lowercase hex, no trailing bytes), so a
// parsed bundle serialises back to the very bytes it was parsed from: what a verifier checks is
// what was signed, byte for byte.
//
// Any thread; parsing never throws on bad input (an error value with a one-line message).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace egressmon::fleet {

inline constexpr std::string_view kBundleMagic = "egressmon-policy-bundle 1\n";
inline constexpr size_t kSignatureBytes = 64; // Ed25519
inline constexpr size_t kKeyIdHexDigits = 16;

// Every bound on what a bundle may hold. The defaults are far above a real policy (the shipped
// rules are a few KiB) and low enough that a hostile bundle costs little memory.
struct BundleLimits {
    size_t max_bundle_bytes = 16 * 1024 * 1024;
    size_t max_files = 64;
    size_t max_file_name_bytes = 128;
};

struct BundleFile {
    std::string name; // a plain file name: [A-Za-z0-9._-], not starting with '.'
    std::string bytes;
    bool operator==(const BundleFile&) const = default;
};

struct PolicyBundle {
    uint64_t version = 0;    // a sensor refuses a version older than the one it runs
    uint64_t created_ms = 0; // when it was signed
    std::string key_id;      // keyIdOf(the signer's public key)
    std::vector<BundleFile> files;
    std::string signature; // kSignatureBytes raw bytes; empty before signing
    bool operator==(const PolicyBundle&) const = default;
};

// The bytes the signature covers: magic, fields and files (everything but the signature line).
std::string signedBytes(const PolicyBundle& bundle);
// The whole bundle: signedBytes() then the signature line. `bundle.signature` must be set.
std::string serializeBundle(const PolicyBundle& bundle);

struct ParsedBundle {
    std::optional<PolicyBundle> bundle;
    std::string error;            // one line when !bundle
    std::string_view signed_part; // into the parsed input: the bytes the signature covers
};

// Parses and bounds-checks a bundle; checks nothing about the signature (BundleVerifier does).
ParsedBundle parseBundle(std::string_view input, const BundleLimits& limits = {});

// Why `name` cannot name a file in a bundle, or "" when it can.
std::string whyBadFileName(std::string_view name, const BundleLimits& limits);

// "2024-06-10T06:13:20.000Z"
std::string formatUtcMillis(uint64_t ms);

} // namespace egressmon::fleet
