// The bundle format of policy_bundle.h: a strict, single-pass reader over a string_view. Each
// field has one accepted spelling, which is what makes the signed bytes canonical.

#include "policy_bundle.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace egressmon::fleet {

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string toHex(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1; // upper case too: one spelling only
}

// Reads the input front to back; every method fails (returns false) rather than run past it.
class Reader {
  public:
    explicit Reader(std::string_view input) : in_(input) {}

    size_t offset() const { return pos_; }
    bool atEnd() const { return pos_ == in_.size(); }

    bool literal(std::string_view text) {
        if (in_.substr(pos_, text.size()) != text) return false;
        pos_ += text.size();
        return true;
    }
    // Up to (not including) `stop`, which is consumed; at most `max` bytes before it.
    bool until(char stop, size_t max, std::string_view& out) {
        // Searched within the bound only: a hostile bundle cannot make every field scan it all.
        const size_t end = in_.substr(pos_, max + 1).find(stop);
        if (end == std::string_view::npos) return false;
        out = in_.substr(pos_, end);
        pos_ += end + 1;
        return true;
    }
    bool take(size_t n, std::string_view& out) {
        if (in_.size() - pos_ < n) return false;
        out = in_.substr(pos_, n);
        pos_ += n;
        return true;
    }

  private:
    std::string_view in_;
    size_t pos_ = 0;
};

// A decimal without sign, spaces or leading zeros ("0" itself is one), below 2^64.
bool parseDecimal(std::string_view text, uint64_t& value) {
    if (text.empty() || text.size() > 20 || (text[0] == '0' && text.size() > 1)) return false;
    for (const char c : text)
        if (c < '0' || c > '9') return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
}

bool isLowerHex(std::string_view text) {
    for (const char c : text)
        if (hexValue(c) < 0) return false;
    return true;
}

// "key: value\n" with a decimal value; `what` names the field in the error.
bool decimalField(Reader& r, std::string_view key, uint64_t& value, std::string& error) {
    std::string_view text;
    if (!r.literal(key) || !r.literal(": ") || !r.until('\n', 20, text) ||
        !parseDecimal(text, value)) {
        error =
            "bad or missing '" + std::string(key) + "' line at byte " + std::to_string(r.offset());
        return false;
    }
    return true;
}

ParsedBundle fail(std::string error) {
    ParsedBundle out;
    out.error = std::move(error);
    return out;
}

} // namespace

std::string whyBadFileName(std::string_view name, const BundleLimits& limits) {
    if (name.empty()) return "empty file name";
    if (name.size() > limits.max_file_name_bytes)
        return "file name of " + std::to_string(name.size()) + " bytes (limit " +
               std::to_string(limits.max_file_name_bytes) + ")";
    if (name[0] == '.') return "file name starts with '.'";
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) return "file name with a character other than A-Z a-z 0-9 . _ -";
    }
    return "";
}

std::string signedBytes(const PolicyBundle& bundle) {
    std::string out(kBundleMagic);
    out += "version: " + std::to_string(bundle.version) + "\n";
    out += "created-ms: " + std::to_string(bundle.created_ms) + "\n";
    out += "key-id: " + bundle.key_id + "\n";
    out += "files: " + std::to_string(bundle.files.size()) + "\n";
    for (const BundleFile& file : bundle.files) {
        out += "file: " + std::to_string(file.bytes.size()) + " " + file.name + "\n";
        out += file.bytes;
        out += "\n";
    }
    return out;
}

std::string serializeBundle(const PolicyBundle& bundle) {
    return signedBytes(bundle) + "signature: " + toHex(bundle.signature) + "\n";
}

ParsedBundle parseBundle(std::string_view input, const BundleLimits& limits) {
    if (input.size() > limits.max_bundle_bytes)
        return fail("bundle of " + std::to_string(input.size()) + " bytes (limit " +
                    std::to_string(limits.max_bundle_bytes) + ")");
    Reader r(input);
    if (!r.literal(kBundleMagic)) return fail("not an egressmon policy bundle (bad first line)");
    PolicyBundle bundle;
    std::string error;
    if (!decimalField(r, "version", bundle.version, error)) return fail(error);
    if (bundle.version == 0) return fail("version 0 (versions start at 1)");
    if (!decimalField(r, "created-ms", bundle.created_ms, error)) return fail(error);
    std::string_view key_id;
    if (!r.literal("key-id: ") || !r.until('\n', kKeyIdHexDigits, key_id) ||
        key_id.size() != kKeyIdHexDigits || !isLowerHex(key_id))
        return fail("bad or missing 'key-id' line at byte " + std::to_string(r.offset()));
    bundle.key_id = key_id;
    uint64_t count = 0;
    if (!decimalField(r, "files", count, error)) return fail(error);
    if (count == 0) return fail("a bundle without rule files");
    if (count > limits.max_files)
        return fail(std::to_string(count) + " files (limit " + std::to_string(limits.max_files) +
                    ")");
    bundle.files.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
        const std::string where = "file " + std::to_string(i + 1) + ": ";
        std::string_view size_text, name, bytes;
        uint64_t size = 0;
        if (!r.literal("file: ") || !r.until(' ', 20, size_text) || !parseDecimal(size_text, size))
            return fail(where + "bad or missing 'file' line at byte " + std::to_string(r.offset()));
        if (!r.until('\n', limits.max_file_name_bytes, name)) {
            return fail(where + "file name missing or longer than " +
                        std::to_string(limits.max_file_name_bytes) + " bytes");
        }
        if (const std::string why = whyBadFileName(name, limits); !why.empty())
            return fail(where + why);
        for (const BundleFile& earlier : bundle.files)
            if (earlier.name == name) return fail(where + "'" + std::string(name) + "' twice");
        if (!r.take(size, bytes) || !r.literal("\n"))
            return fail(where + "'" + std::string(name) + "' cut short (" + std::to_string(size) +
                        " bytes announced)");
        bundle.files.push_back(BundleFile{std::string(name), std::string(bytes)});
    }
    const size_t signed_end = r.offset();
    std::string_view hex;
    if (!r.literal("signature: ") || !r.until('\n', 2 * kSignatureBytes, hex) ||
        hex.size() != 2 * kSignatureBytes || !isLowerHex(hex))
        return fail("bad or missing 'signature' line at byte " + std::to_string(signed_end));
    if (!r.atEnd()) return fail("bytes after the signature line");
    bundle.signature.resize(kSignatureBytes);
    for (size_t i = 0; i < kSignatureBytes; ++i)
        bundle.signature[i] =
            static_cast<char>(hexValue(hex[2 * i]) * 16 + hexValue(hex[2 * i + 1]));
    ParsedBundle out;
    out.bundle = std::move(bundle);
    out.signed_part = input.substr(0, signed_end);
    return out;
}

std::string formatUtcMillis(uint64_t ms) {
    const auto seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    char text[40];
    if (::gmtime_r(&seconds, &tm) == nullptr ||
        std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        return std::to_string(ms) + " ms";
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03uZ", static_cast<unsigned>(ms % 1000));
    return std::string(text) + millis;
}

} // namespace egressmon::fleet
