// PdfDictionary and lexPdfValue: the values a text extractor reads from PDF dictionaries.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/transform/pdf/pdf_dictionary.h"

using namespace egressmon::dpi;

TEST(PdfDictionary, ReadsNamesNumbersReferencesAndNestedValues) {
    PdfDictionary d;
    ASSERT_TRUE(d.parse(" % comment\n<< /Type /Font /Subtype/Type0 /ToUnicode 8 0 R /W [1 [500 "
                        "600]] /DescendantFonts [6 0 R] /Info << /T (a (nested) \\) str) >> "
                        "/Id <0A1B> /N -12 /Flag true >> trailing"));
    EXPECT_TRUE(d.complete());
    EXPECT_EQ(d.name("Type"), "Font");
    EXPECT_EQ(d.name("Subtype"), "Type0");
    EXPECT_EQ(d.reference("ToUnicode"), 8u);
    EXPECT_EQ(d.find("W")->kind, PdfValueKind::Array);
    EXPECT_EQ(d.find("W")->text, "[1 [500 600]]");
    EXPECT_EQ(d.find("Info")->kind, PdfValueKind::Dictionary);
    EXPECT_EQ(d.find("Id")->kind, PdfValueKind::HexString);
    EXPECT_EQ(d.integer("N"), -12);
    EXPECT_EQ(d.find("Flag")->text, "true");
    EXPECT_FALSE(d.has("Missing"));
    EXPECT_EQ(d.size(), 9u);

    PdfDictionary info;
    ASSERT_TRUE(info.parse(d.find("Info")->text));
    EXPECT_EQ(info.find("T")->text, "(a (nested) \\) str)");
}

TEST(PdfDictionary, NotADictionary) {
    PdfDictionary d;
    EXPECT_FALSE(d.parse("[1 2 3]"));
    EXPECT_FALSE(d.parse(""));
}

TEST(PdfDictionary, CutShortKeepsTheEntriesBefore) {
    PdfDictionary d;
    ASSERT_TRUE(d.parse("<< /Type /Page /Contents 4 0 R /Resources << /Font << /F1 5"));
    EXPECT_FALSE(d.complete());
    EXPECT_EQ(d.name("Type"), "Page");
    EXPECT_EQ(d.reference("Contents"), 4u);
    EXPECT_FALSE(d.has("Resources"));
}

TEST(PdfDictionary, KeepsAtMostItsBoundOfEntries) {
    std::string text = "<<";
    for (size_t i = 0; i < PdfDictionary::kMaxEntries + 5; ++i)
        text += " /K" + std::to_string(i) + " " + std::to_string(i);
    text += " >>";
    PdfDictionary d;
    ASSERT_TRUE(d.parse(text));
    EXPECT_TRUE(d.complete());
    EXPECT_EQ(d.size(), PdfDictionary::kMaxEntries);
    EXPECT_EQ(d.integer("K63"), 63);
    EXPECT_FALSE(d.has("K64"));
}

TEST(PdfDictionary, TooDeepNestingIsNotRead) {
    std::string text = "<< /A ";
    for (int i = 0; i < 100; ++i)
        text += "[";
    for (int i = 0; i < 100; ++i)
        text += "]";
    text += " /B 1 >>";
    PdfDictionary d;
    ASSERT_TRUE(d.parse(text));
    EXPECT_FALSE(d.has("A"));
    EXPECT_FALSE(d.complete());
}

TEST(PdfDictionary, FilterNamesOneOrMany) {
    PdfDictionary d;
    ASSERT_TRUE(d.parse("<< /F1 /FlateDecode /F2 [/ASCII85Decode /FlateDecode 3] >>"));
    std::vector<std::string> names;
    forEachPdfName(*d.find("F1"), [&](std::string_view n) { names.emplace_back(n); });
    forEachPdfName(*d.find("F2"), [&](std::string_view n) { names.emplace_back(n); });
    EXPECT_EQ(names, (std::vector<std::string>{"FlateDecode", "ASCII85Decode", "FlateDecode", ""}));
}
