// fleet/bundle_cache.h: the last good bundle on disk. No file is no error; what is stored is
// read back byte for byte; a replacement leaves no temporary file; the size bound is refused on
// load; a failed write is an error value, and the old file stays.

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

#include "fleet/bundle_cache.h"

using egressmon::fleet::BundleCache;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "egressmon-cache-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::permissions(path, fs::perms::owner_all, ignored);
        fs::remove_all(path, ignored);
    }
};

} // namespace

TEST(BundleCache, NoCacheYetIsNotAnError) {
    TempDir dir;
    const BundleCache cache(dir.path.string(), 1024);
    std::string error = "stale";
    EXPECT_FALSE(cache.load(error));
    EXPECT_EQ(error, "");
}

TEST(BundleCache, StoredBytesComeBackAndAReplacementLeavesNoTemporaryFile) {
    TempDir dir;
    const BundleCache cache(dir.path.string(), 1024);
    std::string error;
    const std::string first("first\0bundle", 12), second(1024, 'x');
    ASSERT_TRUE(cache.store(first, error)) << error;
    EXPECT_EQ(cache.load(error).value_or(""), first);
    ASSERT_TRUE(cache.store(second, error)) << error;
    EXPECT_EQ(cache.load(error).value_or(""), second) << error;
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir.path)) {
        ++files;
        EXPECT_EQ(e.path().filename(), "policy.bundle");
    }
    EXPECT_EQ(files, 1u);
}

TEST(BundleCache, AFileOverTheBundleBoundIsRefusedOnLoad) {
    TempDir dir;
    std::string error;
    ASSERT_TRUE(BundleCache(dir.path.string(), 2048).store(std::string(1025, 'x'), error));
    const BundleCache cache(dir.path.string(), 1024);
    EXPECT_FALSE(cache.load(error));
    EXPECT_NE(error.find("larger than a bundle may be"), std::string::npos) << error;
    ASSERT_TRUE(BundleCache(dir.path.string(), 2048).store(std::string(1024, 'x'), error));
    EXPECT_TRUE(cache.load(error)) << error; // exactly at the bound
}

TEST(BundleCache, ADirectoryInPlaceOfTheFileIsAnError) {
    TempDir dir;
    fs::create_directory(dir.path / "policy.bundle");
    const BundleCache cache(dir.path.string(), 1024);
    std::string error;
    EXPECT_FALSE(cache.load(error));
    EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
}

TEST(BundleCache, AFailedWriteIsAnErrorAndTheOldBundleStays) {
    TempDir dir;
    const BundleCache cache(dir.path.string(), 1024);
    std::string error;
    ASSERT_TRUE(cache.store("old", error)) << error;
    // A directory where the temporary file goes: creating it fails even for root.
    fs::create_directory(dir.path / "policy.bundle.tmp");
    EXPECT_FALSE(cache.store("new", error));
    EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
    EXPECT_EQ(cache.load(error).value_or(""), "old");
}

TEST(BundleCache, AMissingDirectoryIsAnError) {
    TempDir dir;
    const BundleCache cache((dir.path / "absent").string(), 1024);
    std::string error;
    EXPECT_FALSE(cache.store("x", error));
    EXPECT_FALSE(error.empty());
    EXPECT_FALSE(cache.load(error)); // ENOENT of the file: no cache
    EXPECT_EQ(error, "");
}
