// Rule files, the configuration and the spool directory are refused when other users can
// change them (core/path_trust.h).

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/path_trust.h"

namespace egressmon::core {
namespace {

class PathTrust : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/egressmon-trust-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        root_ = tmpl;
        ::chmod(root_.c_str(), 0755);
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    // A file `name` in directory `dir` (created with `dir_mode`), with `file_mode`; the reason
    // whyFileIsUntrusted gives for it.
    std::string fileVerdict(const std::string& dir, mode_t dir_mode, mode_t file_mode) {
        const std::string d = root_ + "/" + dir;
        std::filesystem::create_directories(d);
        ::chmod(d.c_str(), dir_mode);
        const std::string path = d + "/rules.yaml";
        std::ofstream(path) << "rules: []\n";
        ::chmod(path.c_str(), file_mode);
        const int fd = ::open(path.c_str(), O_RDONLY);
        const std::string why = whyFileIsUntrusted(fd, path);
        ::close(fd);
        return why;
    }

    std::string directoryVerdict(mode_t mode) {
        const std::string d = root_ + "/spool";
        std::filesystem::create_directories(d);
        ::chmod(d.c_str(), mode);
        const int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY);
        const std::string why = whyDirectoryIsUntrusted(fd);
        ::close(fd);
        return why;
    }

    std::string root_;
};

TEST_F(PathTrust, OwnerWritableFileInPrivateDirectoryIsTrusted) {
    EXPECT_EQ(fileVerdict("etc", 0755, 0644), "");
    EXPECT_EQ(fileVerdict("grp", 0775, 0664), ""); // group-writable: the operator's choice
}

TEST_F(PathTrust, FileWritableByEveryUserIsRefusedWithItsMode) {
    EXPECT_EQ(fileVerdict("etc", 0755, 0666), "it is writable by every user (mode 0666)");
}

TEST_F(PathTrust, FileInDirectoryEveryoneCanWriteIsRefused) {
    const std::string why = fileVerdict("open", 0777, 0644);
    EXPECT_NE(why.find("directory '" + root_ +
                       "/open' on its path is writable by every user "
                       "(mode 0777)"),
              std::string::npos)
        << why;
}

TEST_F(PathTrust, StickyDirectoryLikeTmpProtectsTheOwnersFile) {
    if (::geteuid() != 0) GTEST_SKIP() << "the sticky exception is for root-owned directories";
    EXPECT_EQ(fileVerdict("sticky", 01777, 0644), "");
}

TEST_F(PathTrust, DirectoryAnyLevelAboveThatEveryoneCanWriteIsRefused) {
    // open/ is 0777; the file sits two levels below it in private directories.
    std::filesystem::create_directories(root_ + "/open/a");
    ::chmod((root_ + "/open").c_str(), 0777);
    const std::string why = fileVerdict("open/a/b", 0755, 0644);
    EXPECT_NE(why.find("directory '" + root_ + "/open' on its path"), std::string::npos) << why;
}

TEST_F(PathTrust, LinkIsJudgedByWhereItLeads) {
    const std::string target_dir = root_ + "/open";
    std::filesystem::create_directories(target_dir);
    ::chmod(target_dir.c_str(), 0777);
    std::ofstream(target_dir + "/rules.yaml") << "rules: []\n";
    ::chmod((target_dir + "/rules.yaml").c_str(), 0644);
    std::filesystem::create_directories(root_ + "/etc");
    const std::string link = root_ + "/etc/rules.yaml";
    std::filesystem::create_symlink(target_dir + "/rules.yaml", link);
    const int fd = ::open(link.c_str(), O_RDONLY);
    const std::string why = whyFileIsUntrusted(fd, link);
    ::close(fd);
    EXPECT_NE(why.find("directory '" + target_dir + "' on its path"), std::string::npos) << why;
}

TEST_F(PathTrust, FileOwnedByAnotherUserIsRefused) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
    const std::string d = root_ + "/etc";
    std::filesystem::create_directories(d);
    const std::string path = d + "/rules.yaml";
    std::ofstream(path) << "rules: []\n";
    ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
    const int fd = ::open(path.c_str(), O_RDONLY);
    const std::string why = whyFileIsUntrusted(fd, path);
    ::close(fd);
    EXPECT_EQ(why, "it is owned by uid 65534, neither root nor the user egressmon runs as");
}

TEST_F(PathTrust, SpoolDirectoryEveryoneCanWriteIsRefusedEvenWhenSticky) {
    EXPECT_EQ(directoryVerdict(0755), "");
    EXPECT_EQ(directoryVerdict(0777), "it is writable by every user (mode 0777)");
    EXPECT_EQ(directoryVerdict(01777), "it is writable by every user (mode 1777)");
}

} // namespace
} // namespace egressmon::core
