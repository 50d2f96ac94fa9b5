// A rule's file conditions against what is known of a file: type and name decided at once,
// size and flags either final once true (holdAlready) or only at the file's end (holdAtEnd).

#include <gtest/gtest.h>

#include "rules/file_conditions.h"

using namespace egressmon;
using namespace egressmon::rules;

namespace {
FileConditions typesOf(std::initializer_list<core::FileType> types) {
    FileConditions c;
    c.present = true;
    for (const core::FileType t : types)
        c.types |= 1u << static_cast<unsigned>(t);
    return c;
}
FileFacts file(core::FileType type, const char* name, uint64_t size = 10) {
    FileFacts f;
    f.type = type;
    f.name = name;
    f.size = size;
    return f;
}
} // namespace

TEST(FileConditions, TypesMatchTheDetectedType) {
    const FileConditions c = typesOf({core::FileType::Docx, core::FileType::Pdf});
    EXPECT_TRUE(typeAndNameHold(c, file(core::FileType::Docx, "a.zip")));
    EXPECT_FALSE(typeAndNameHold(c, file(core::FileType::Zip, "a.docx"))); // content, not name
}

TEST(FileConditions, NamesAreCaseInsensitiveGlobsOnTheWholeName) {
    FileConditions c;
    c.present = true;
    c.names = {"*.kdbx", "backup-??.pst"};
    EXPECT_TRUE(typeAndNameHold(c, file(core::FileType::Binary, "Vault.KDBX")));
    EXPECT_TRUE(typeAndNameHold(c, file(core::FileType::Binary, "home/me/vault.kdbx")));
    EXPECT_TRUE(typeAndNameHold(c, file(core::FileType::Binary, "BACKUP-01.pst")));
    EXPECT_FALSE(typeAndNameHold(c, file(core::FileType::Binary, "backup-001.pst")));
    EXPECT_FALSE(typeAndNameHold(c, file(core::FileType::Binary, "vault.kdbx.txt")));
    EXPECT_FALSE(typeAndNameHold(c, file(core::FileType::Binary, ""))); // unnamed part
    c.names = {"绝密*"};
    EXPECT_TRUE(typeAndNameHold(c, file(core::FileType::Docx, "绝密文件.docx")));
}

TEST(FileConditions, MinSizeHoldsFromItsValueOn) {
    FileConditions c;
    c.present = true;
    c.min_size = 1000;
    EXPECT_FALSE(holdAlready(c, file(core::FileType::Text, "", 999)));
    EXPECT_TRUE(holdAlready(c, file(core::FileType::Text, "", 1000)));
    EXPECT_FALSE(holdAtEnd(c, file(core::FileType::Text, "", 999)));
    EXPECT_TRUE(holdAtEnd(c, file(core::FileType::Text, "", 1000)));
}

TEST(FileConditions, OnlyATrueFlagIsFinalWhileTheFileIsOpen) {
    FileConditions want_encrypted;
    want_encrypted.present = true;
    want_encrypted.encrypted = true;
    FileFacts f = file(core::FileType::Zip, "a.zip");
    EXPECT_FALSE(holdAlready(want_encrypted, f));
    EXPECT_FALSE(holdAtEnd(want_encrypted, f));
    f.encrypted = true;
    EXPECT_TRUE(holdAlready(want_encrypted, f));
    EXPECT_TRUE(holdAtEnd(want_encrypted, f));

    FileConditions want_plain;
    want_plain.present = true;
    want_plain.encrypted = false;
    want_plain.uninspectable = false;
    FileFacts g = file(core::FileType::Zip, "a.zip");
    EXPECT_FALSE(holdAlready(want_plain, g)); // an encrypted entry may still come
    EXPECT_TRUE(holdAtEnd(want_plain, g));
    g.uninspectable = true;
    EXPECT_FALSE(holdAtEnd(want_plain, g));
}
