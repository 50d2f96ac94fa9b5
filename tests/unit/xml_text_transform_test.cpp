// XmlTextTransform (dpi/transform/xml/): through the layer tree, an archive entry named like an
// office text part gets a "document.text" layer with the part's text (a stored ZIP holding
// word/document.xml with Word's split runs gives "TOP SECRET"); other entries get none; part
// names; counts.

#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <zlib.h>

#include "dpi/transform/xml/xml_text_transform.h"
#include "upload_tree.h"

namespace egressmon::dpi {
namespace {

std::string le(uint64_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i)
        out += static_cast<char>((v >> (8 * i)) & 0xff);
    return out;
}

// One stored (method 0) local entry, as zip -0 writes it.
std::string storedEntry(std::string_view name, std::string_view data) {
    const auto crc =
        static_cast<uint32_t>(crc32(0, test::u8(data), static_cast<uInt>(data.size())));
    return std::string("PK\3\4", 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0x6000, 2) +
           le(0x5821, 2) + le(crc, 4) + le(data.size(), 4) + le(data.size(), 4) +
           le(name.size(), 2) + le(0, 2) + std::string(name) + std::string(data);
}

// The walk ends at the central directory (not read).
std::string centralDirectory() {
    return std::string("PK\1\2", 4) + std::string(42, '\0') + std::string("PK\5\6", 4) +
           std::string(18, '\0');
}

const std::string kDocumentXml =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
    "\n"
    R"(<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">)"
    R"(<w:body><w:p><w:r><w:t xml:space="preserve">TOP </w:t></w:r><w:r><w:rPr><w:b/></w:rPr>)"
    R"(<w:t>SECRET</w:t></w:r></w:p></w:body></w:document>)";

struct Tree : test::UploadTree {
    Tree() : UploadTree("plan.docx") {}
    void feed(std::string_view s, size_t piece) {
        for (size_t at = 0; at < s.size(); at += piece)
            data(s.substr(at, piece));
        root.finish();
    }
    // The text of the layer of `type`, and that there is exactly one.
    std::string only(std::string_view type) const {
        std::string text;
        int n = 0;
        for (const auto& [t, bytes] : sink.layers)
            if (t == type) text = bytes, ++n;
        EXPECT_EQ(n, 1) << type;
        return text;
    }
};

TEST(XmlTextTransform, DocxInAStoredZipGivesADocumentTextLayer) {
    const std::string docx = storedEntry("[Content_Types].xml", "<Types/>") +
                             storedEntry("word/document.xml", kDocumentXml) + centralDirectory();
    for (size_t piece : {docx.size(), size_t(1), size_t(13)}) {
        Tree t;
        t.feed(docx, piece);
        EXPECT_EQ(t.only("document.text"), "TOP SECRET\n") << piece;
        // Its parent is the word/document.xml entry, whose markup is scanned as well.
        for (size_t i = 0; i < t.sink.layers.size(); ++i) {
            if (t.sink.layers[i].first != "document.text") continue;
            const int parent = t.sink.parentIndex(i);
            ASSERT_GE(parent, 0);
            EXPECT_EQ(t.sink.layers[size_t(parent)].first, "zip.entry");
            EXPECT_EQ(t.sink.file_names[size_t(parent)], "word/document.xml");
        }
        EXPECT_EQ(t.sink.openCount(), 0u);
        EXPECT_EQ(t.ctx.counters.xml.parts, 1u);
        EXPECT_EQ(t.ctx.counters.xml.malformed, 0u);
    }
}

TEST(XmlTextTransform, OtherEntriesGetNoTextLayerAndBadPartsAreCounted) {
    // A part binding more prefixes to Word's namespace than max-xml-depth (256) holds.
    std::string bindings = "<w:document";
    for (int i = 0; i < 257; ++i)
        bindings += " xmlns:p" + std::to_string(i) +
                    "=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";
    bindings += "/>";
    const std::string zip = storedEntry("word/styles.xml", kDocumentXml) +
                            storedEntry("xl/sharedStrings.xml", "<sst><si>") +
                            storedEntry("word/header1.xml", bindings) + centralDirectory();
    Tree t;
    t.feed(zip, zip.size());
    // The truncated shared strings part and the header: a text layer would be empty, so none
    // begins.
    for (const auto& [type, bytes] : t.sink.layers)
        EXPECT_NE(type, "document.text");
    EXPECT_EQ(t.ctx.counters.xml.parts, 2u);
    EXPECT_EQ(t.ctx.counters.xml.malformed, 1u);
    EXPECT_EQ(t.ctx.counters.xml.namespaces_exceeded, 1u);
}

TEST(XmlTextTransform, TextPartNames) {
    EXPECT_EQ(xmlTextPartFormat("word/document.xml"), XmlFormat::Word);
    EXPECT_EQ(xmlTextPartFormat("word/header2.xml"), XmlFormat::Word);
    EXPECT_EQ(xmlTextPartFormat("word/footer1.xml"), XmlFormat::Word);
    EXPECT_EQ(xmlTextPartFormat("WORD/Document.xml"), XmlFormat::Word); // OPC: any case
    EXPECT_EQ(xmlTextPartFormat("word/footnotes.xml"), XmlFormat::Word);
    EXPECT_EQ(xmlTextPartFormat("word/endnotes.xml"), XmlFormat::Word);
    EXPECT_EQ(xmlTextPartFormat("word/comments.xml"), XmlFormat::Word);
    EXPECT_EQ(xmlTextPartFormat("xl/sharedStrings.xml"), XmlFormat::Spreadsheet);
    EXPECT_EQ(xmlTextPartFormat("xl/worksheets/sheet12.xml"), XmlFormat::Spreadsheet);
    EXPECT_EQ(xmlTextPartFormat("xl/comments1.xml"), XmlFormat::Spreadsheet);
    EXPECT_EQ(xmlTextPartFormat("ppt/slides/slide3.xml"), XmlFormat::Presentation);
    EXPECT_EQ(xmlTextPartFormat("ppt/notesSlides/notesSlide1.xml"), XmlFormat::Presentation);
    EXPECT_EQ(xmlTextPartFormat("content.xml"), XmlFormat::OpenDocument);
    EXPECT_EQ(xmlTextPartFormat("styles.xml"), XmlFormat::OpenDocument);
    EXPECT_FALSE(xmlTextPartFormat("word/styles.xml"));
    EXPECT_FALSE(xmlTextPartFormat("word/settings.xml"));
    EXPECT_FALSE(xmlTextPartFormat("xl/worksheets/_rels/sheet1.xml.rels"));
    EXPECT_FALSE(xmlTextPartFormat("xl/worksheets/sub/sheet1.xml"));
    EXPECT_FALSE(xmlTextPartFormat("ppt/slides/_rels/slide1.xml.rels"));
    EXPECT_FALSE(xmlTextPartFormat("docs/content.xml"));
    EXPECT_FALSE(xmlTextPartFormat("word/header.xm"));
}

TEST(XmlTextTransform, AppliesOnlyToArchiveEntries) {
    LayerInfo info;
    info.type = "zip.entry";
    info.file_name = "word/document.xml";
    EXPECT_TRUE(xmlTextApplies(info, {}));
    info.type = "http.request.body";
    EXPECT_FALSE(xmlTextApplies(info, {})); // a document.xml uploaded alone is not routed
}

} // namespace
} // namespace egressmon::dpi
