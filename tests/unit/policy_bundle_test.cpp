// fleet/policy_bundle.h: the format alone (no keys): round trip, one spelling per field, every
// bound at its limit, and every cut-short input refused with a message.

#include <gtest/gtest.h>

#include "fleet/policy_bundle.h"

using namespace egressmon::fleet;

namespace {

PolicyBundle sample() {
    PolicyBundle b;
    b.version = 1718000000123;
    b.created_ms = 1718000000000;
    b.key_id = "0123456789abcdef";
    b.files = {{"default.yaml", "rules:\n  - {id: 1, name: a, keywords: [x]}\n"},
               {"site-2.yaml", std::string("bin\0ary\nbytes", 13)}};
    b.signature.assign(kSignatureBytes, '\x5a');
    return b;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
}

} // namespace

TEST(PolicyBundle, RoundTripGivesBackTheSameBytes) {
    const PolicyBundle b = sample();
    const std::string bytes = serializeBundle(b);
    const ParsedBundle parsed = parseBundle(bytes);
    ASSERT_TRUE(parsed.bundle) << parsed.error;
    EXPECT_EQ(*parsed.bundle, b);
    EXPECT_EQ(parsed.signed_part, signedBytes(b));
    EXPECT_EQ(serializeBundle(*parsed.bundle), bytes);
    EXPECT_EQ(bytes.rfind("signature: ", std::string::npos), signedBytes(b).size());
}

TEST(PolicyBundle, EveryTruncationIsRefusedWithAMessage) {
    const std::string bytes = serializeBundle(sample());
    for (size_t n = 0; n < bytes.size(); ++n) {
        const ParsedBundle parsed = parseBundle(std::string_view(bytes).substr(0, n));
        EXPECT_FALSE(parsed.bundle) << "cut at " << n;
        EXPECT_FALSE(parsed.error.empty());
        EXPECT_EQ(parsed.error.find('\n'), std::string::npos) << parsed.error;
    }
}

TEST(PolicyBundle, OnlyOneSpellingOfEachField) {
    const std::string good = serializeBundle(sample());
    const std::pair<std::string, std::string> variants[] = {
        {"version: 1718000000123", "version: 01718000000123"},
        {"version: 1718000000123", "version:  1718000000123"},
        {"version: 1718000000123", "version: +1718000000123"},
        {"version: 1718000000123", "version: 0"},
        {"version: 1718000000123", "version: 18446744073709551616"}, // 2^64
        {"created-ms: 1718000000000", "created-ms: 1718000000000 "},
        {"key-id: 0123456789abcdef", "key-id: 0123456789ABCDEF"},
        {"key-id: 0123456789abcdef", "key-id: 0123456789abcde"},
        {"files: 2", "files: 02"},
        {"files: 2", "files: 3"},
        {"files: 2", "files: 1"},
        {"files: 2", "files: 0"},
        {"egressmon-policy-bundle 1", "egressmon-policy-bundle 2"},
        {"file: 13 site-2.yaml", "file: 13 site/2.yaml"},
        {"file: 13 site-2.yaml", "file: 13 .site.yaml"},
        {"file: 13 site-2.yaml", "file: 13 default.yaml"}, // twice
        {"file: 13 site-2.yaml", "file: 13 "},
        {"file: 13 site-2.yaml", "file: 14 site-2.yaml"},
        {"file: 13 site-2.yaml", "file: 12 site-2.yaml"},
        {"file: 13 site-2.yaml", "file:  13 site-2.yaml"},
        {"signature: 5a5a", "signature: 5A5a"},
        {"signature: 5a5a", "signature:5a5a"},
    };
    for (const auto& [from, to] : variants) {
        const ParsedBundle parsed = parseBundle(replaced(good, from, to));
        EXPECT_FALSE(parsed.bundle) << to;
        EXPECT_FALSE(parsed.error.empty()) << to;
    }
    EXPECT_FALSE(parseBundle(good + "\n").bundle);
    EXPECT_FALSE(parseBundle(good.substr(0, good.size() - 1) + "00\n").bundle); // long signature
    EXPECT_EQ(parseBundle(good + "x").error, "bytes after the signature line");
}

TEST(PolicyBundle, LargestVersionAndZeroCreationAreAccepted) {
    PolicyBundle b = sample();
    b.version = UINT64_MAX;
    b.created_ms = 0;
    const ParsedBundle parsed = parseBundle(serializeBundle(b));
    ASSERT_TRUE(parsed.bundle) << parsed.error;
    EXPECT_EQ(parsed.bundle->version, UINT64_MAX);
}

TEST(PolicyBundle, FileCountAtItsLimit) {
    BundleLimits limits;
    limits.max_files = 3;
    PolicyBundle b = sample();
    b.files = {{"a", "1"}, {"b", "2"}, {"c", ""}};
    EXPECT_TRUE(parseBundle(serializeBundle(b), limits).bundle);
    b.files.push_back({"d", "4"});
    const ParsedBundle over = parseBundle(serializeBundle(b), limits);
    EXPECT_FALSE(over.bundle);
    EXPECT_EQ(over.error, "4 files (limit 3)");
}

TEST(PolicyBundle, FileNameLengthAtItsLimit) {
    BundleLimits limits;
    limits.max_file_name_bytes = 10;
    PolicyBundle b = sample();
    b.files = {{std::string(10, 'n'), "x"}};
    EXPECT_TRUE(parseBundle(serializeBundle(b), limits).bundle);
    b.files = {{std::string(11, 'n'), "x"}};
    const ParsedBundle over = parseBundle(serializeBundle(b), limits);
    EXPECT_FALSE(over.bundle);
    EXPECT_NE(over.error.find("longer than 10 bytes"), std::string::npos) << over.error;
    EXPECT_NE(whyBadFileName(std::string(11, 'n'), limits), "");
    EXPECT_EQ(whyBadFileName(std::string(10, 'n'), limits), "");
}

TEST(PolicyBundle, BundleSizeAtItsLimit) {
    const std::string bytes = serializeBundle(sample());
    BundleLimits limits;
    limits.max_bundle_bytes = bytes.size();
    EXPECT_TRUE(parseBundle(bytes, limits).bundle);
    limits.max_bundle_bytes = bytes.size() - 1;
    const ParsedBundle over = parseBundle(bytes, limits);
    EXPECT_FALSE(over.bundle);
    EXPECT_EQ(over.error, "bundle of " + std::to_string(bytes.size()) + " bytes (limit " +
                              std::to_string(bytes.size() - 1) + ")");
}

TEST(PolicyBundle, HugeAnnouncedSizeIsCutShortNotAllocated) {
    const std::string bad =
        replaced(serializeBundle(sample()), "file: 13 site-2.yaml", "file: 18446744073709551615 s");
    const ParsedBundle parsed = parseBundle(bad);
    EXPECT_FALSE(parsed.bundle);
    EXPECT_NE(parsed.error.find("cut short"), std::string::npos) << parsed.error;
}

TEST(PolicyBundle, FormatsCreationTimeInUtc) {
    EXPECT_EQ(formatUtcMillis(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(formatUtcMillis(1718000000123), "2024-06-10T06:13:20.123Z");
}
