// File types from content: each magic number of the contract's types, text against binary,
// short and lost starts, and the refinements the ZIP transform makes.

#include <string_view>

#include <gtest/gtest.h>

#include "dpi/file/file_sniff.h"

using namespace egressmon;
using namespace egressmon::dpi;

namespace {
FileType sniff(std::string_view bytes) {
    return sniffFileType({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}
} // namespace

TEST(FileSniff, EachMagicNumberNamesItsType) {
    using namespace std::string_view_literals;
    EXPECT_EQ(sniff("PK\3\4\x14\0\0\0\x08\0"sv), FileType::Zip);
    EXPECT_EQ(sniff("PK\5\6\0\0\0\0"sv), FileType::Zip);
    EXPECT_EQ(sniff("PK\7\x08PK\3\4"sv), FileType::Zip);
    EXPECT_EQ(sniff("%PDF-1.7\n%\xe2\xe3\xcf\xd3"sv), FileType::Pdf);
    EXPECT_EQ(sniff("{\\rtf1\\ansi\\ansicpg936"sv), FileType::Rtf);
    EXPECT_EQ(sniff("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0"sv), FileType::Ole2);
    EXPECT_EQ(sniff("\x1f\x8b\x08\0\0\0\0\0"sv), FileType::Gzip);
    EXPECT_EQ(sniff("7z\xbc\xaf\x27\x1c\0\x04"sv), FileType::SevenZip);
    EXPECT_EQ(sniff("Rar!\x1a\x07\x01\0"sv), FileType::Rar);
    EXPECT_EQ(sniff("Rar!\x1a\x07\0"sv), FileType::Rar);
}

TEST(FileSniff, TextIsPrintableOrWhitespaceOrABom) {
    EXPECT_EQ(sniff("Dear Bob,\r\n\tplease"), FileType::Text);
    EXPECT_EQ(sniff("\xe7\xbb\x9d\xe5\xaf\x86 notes"), FileType::Text); // UTF-8
    EXPECT_EQ(sniff("\xbe\xf8\xc3\xdc notes"), FileType::Text);         // GBK
    EXPECT_EQ(sniff(std::string_view("\xff\xfeT\0O\0P\0", 8)), FileType::Text);
    EXPECT_EQ(sniff(std::string_view("ab\0cd", 5)), FileType::Binary);
    EXPECT_EQ(sniff("\x7f"
                    "ELF\2\1\1"),
              FileType::Binary);
}

TEST(FileSniff, ShortOrLostStartsAreNotMisread) {
    EXPECT_EQ(sniff(""), FileType::Binary); // the start was lost: nothing known
    EXPECT_EQ(sniff("PK"), FileType::Text); // two printable bytes, not a ZIP header
    EXPECT_EQ(sniff("%PD"), FileType::Text);
    EXPECT_EQ(sniff("\x1f\x8b"), FileType::Binary);
}

TEST(FileSniff, OoxmlIsAZipRefinedByItsPartNames) {
    EXPECT_EQ(zipTypeFromEntryName(FileType::Zip, "[Content_Types].xml"), FileType::Zip);
    EXPECT_EQ(zipTypeFromEntryName(FileType::Zip, "word/document.xml"), FileType::Docx);
    EXPECT_EQ(zipTypeFromEntryName(FileType::Zip, "xl/workbook.xml"), FileType::Xlsx);
    EXPECT_EQ(zipTypeFromEntryName(FileType::Zip, "ppt/slides/slide1.xml"), FileType::Pptx);
    EXPECT_EQ(zipTypeFromEntryName(FileType::Zip, "q3/word/notes.txt"), FileType::Zip);
    // Decided once: a docx that also holds xl/ parts stays a docx.
    EXPECT_EQ(zipTypeFromEntryName(FileType::Docx, "xl/embeddings/x.xml"), FileType::Docx);
}

TEST(FileSniff, OpenDocumentByTheMediaTypeOfItsMimetypeEntry) {
    EXPECT_EQ(openDocumentType("application/vnd.oasis.opendocument.text"), FileType::Odt);
    EXPECT_EQ(openDocumentType("application/vnd.oasis.opendocument.text-template"), FileType::Odt);
    EXPECT_EQ(openDocumentType("application/vnd.oasis.opendocument.spreadsheet"), FileType::Ods);
    EXPECT_EQ(openDocumentType("application/vnd.oasis.opendocument.presentation"), FileType::Odp);
    EXPECT_EQ(openDocumentType("application/vnd.oasis.opendocument.graphics"), std::nullopt);
    EXPECT_EQ(openDocumentType("application/zip"), std::nullopt);
}

TEST(FileType, NamesRoundTrip) {
    for (size_t i = 0; i < core::kFileTypeCount; ++i) {
        const auto type = static_cast<core::FileType>(i);
        EXPECT_EQ(core::fileTypeByName(core::fileTypeName(type)), type);
    }
    EXPECT_EQ(core::fileTypeByName("doc"), std::nullopt);
}
