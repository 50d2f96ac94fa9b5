// PdfDocument: the text of whole PDF files as they stream past: Tj and TJ in plain and
// FlateDecode streams, a Type0 font whose ToUnicode CMap comes after the page, fonts named in
// object streams, encryption, and each bound at its limit.

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <zlib.h>

#include "dpi/transform/pdf/pdf_document.h"
#include "pdf_test_support.h"

using namespace egressmon::dpi;

namespace {

using test::deflate;
using test::pdfFile;
using test::PdfObject;

const std::string kContent = "BT /F1 14 Tf 72 720 Td (Aurora quarterly plan) Tj ET\n"
                             "BT /F1 14 Tf 72 690 Td [(Classification: TOP S) -60 (ECRET)] TJ ET\n";

std::vector<PdfObject> onePage(std::string content_dict, std::string content,
                               std::vector<PdfObject> fonts) {
    std::vector<PdfObject> objects = {
        {"<< /Type /Catalog /Pages 2 0 R >>", {}},
        {"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", {}},
        {"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
         {}},
        {std::move(content_dict), std::move(content)},
    };
    objects.insert(objects.end(), fonts.begin(), fonts.end());
    return objects;
}

const PdfObject kHelvetica{
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>", {}};

const std::string kCMap = "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                          "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                          "2 beginbfchar\n<0001> <673A>\n<0002> <5BC6>\nendbfchar\n"
                          "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";

const std::string kCjkContent = "BT /F1 24 Tf 72 700 Td <00010002> Tj ET\n";

std::vector<PdfObject> cjkPage() {
    return onePage("<< >>", kCjkContent,
                   {{"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
                     "/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
                     {}},
                    {"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun >>", {}},
                    {"<< /Filter /FlateDecode >>", deflate(kCMap)}});
}

struct Extracted {
    std::string text;
    std::string why; // uninspectable reason, "" when none
    bool encrypted = false;
    PdfCounters counters;
};

uint64_t fakeNow = 0;
uint64_t fakeClock() noexcept {
    return fakeNow += 1000000; // each reading 1 ms later
}

Extracted extract(std::string_view pdf, const PdfLimits& limits = {}, size_t piece = 0,
                  ExtractionBudget* budget = nullptr, PdfDocument::Clock clock = nullptr) {
    Extracted e;
    {
        PdfDocument doc(limits, e.counters, budget, clock ? clock : PdfDocument::steadyNanos);
        if (piece == 0) piece = pdf.size();
        for (size_t at = 0; at < pdf.size(); at += piece) {
            const std::string_view p = pdf.substr(at, piece);
            doc.feed(reinterpret_cast<const uint8_t*>(p.data()), p.size(), e.text);
        }
        doc.finish(e.text);
        if (const char* why = doc.uninspectable()) e.why = why;
        e.encrypted = doc.encrypted();
    }
    return e;
}

bool contains(const std::string& text, std::string_view what) {
    return text.find(what) != std::string::npos;
}

TEST(PdfDocument, PlainStreamTjAndKernedTj) {
    const Extracted e = extract(pdfFile(onePage("<< /Length 0 >>", kContent, {kHelvetica})));
    EXPECT_TRUE(contains(e.text, "Aurora quarterly plan")) << e.text;
    EXPECT_TRUE(contains(e.text, "Classification: TOP SECRET")) << e.text;
    EXPECT_EQ(e.why, "");
    EXPECT_EQ(e.counters.documents, 1u);
    EXPECT_EQ(e.counters.streams_decoded, 1u);
}

TEST(PdfDocument, FlateDecodeAndAscii85ChainsAreDecoded) {
    const Extracted e =
        extract(pdfFile(onePage("<< /Filter /FlateDecode >>", deflate(kContent), {kHelvetica})));
    EXPECT_TRUE(contains(e.text, "TOP SECRET")) << e.text;
    EXPECT_EQ(e.why, "");
}

TEST(PdfDocument, SameTextForEveryPieceSize) {
    const std::string pdf = pdfFile(cjkPage());
    const Extracted whole = extract(pdf);
    EXPECT_TRUE(contains(whole.text, "\xe6\x9c\xba\xe5\xaf\x86")) << whole.text; // 机密
    for (size_t piece = 1; piece < 64; ++piece)
        ASSERT_EQ(extract(pdf, {}, piece).text, whole.text) << piece;
}

TEST(PdfDocument, ContentBeforeItsCMapIsHeldUntilTheEnd) {
    const Extracted e = extract(pdfFile(cjkPage()));
    EXPECT_TRUE(contains(e.text, "\xe6\x9c\xba\xe5\xaf\x86")) << e.text;
    EXPECT_EQ(e.counters.streams_deferred, 1u);
    EXPECT_EQ(e.counters.cmaps, 1u);
}

TEST(PdfDocument, FontDictionariesInAnObjectStream) {
    // Object 5 (the font) and 8 (the page's resources) live in object stream 6.
    const std::string objects = "5 0 8 100 ";
    std::string body = objects;
    const std::string font =
        "<< /Type /Font /Subtype /Type0 /Encoding /Identity-H /ToUnicode 7 0 R >>";
    body += font + std::string(100 - font.size(), ' ') + "<< /Font << /F1 5 0 R >> >>";
    const std::vector<PdfObject> pdf = {
        {"<< /Type /Catalog /Pages 2 0 R >>", {}},
        {"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", {}},
        {"<< /Type /Page /Parent 2 0 R /Resources 8 0 R /Contents 4 0 R >>", {}},
        {"<< /Filter /FlateDecode >>", deflate("BT /F1 24 Tf <00010002> Tj ET")},
        {"<< /Type /Font /Subtype /Type1 /BaseFont /Unused >>", {}}, // 5: replaced by the ObjStm
        {"<< /Type /ObjStm /N 2 /First " + std::to_string(objects.size()) +
             " /Filter /FlateDecode >>",
         deflate(body)},
        {"<< /Filter /FlateDecode >>", deflate(kCMap)},
    };
    const Extracted e = extract(pdfFile(pdf));
    EXPECT_TRUE(contains(e.text, "\xe6\x9c\xba\xe5\xaf\x86")) << e.text;
    EXPECT_EQ(e.counters.object_streams, 1u);
}

TEST(PdfDocument, DocumentInformationFormValuesAndCommentsAreText) {
    // The marking is nowhere on the page: in the document's title (PDFDocEncoding), a form
    // field's value (UTF-16BE, hex), a sticky note (an annotation's /Contents, in an object
    // stream) and a field's tooltip (UTF-8 behind its mark). A signature's /Contents and the
    // page's /Contents reference are not text.
    const std::string note = "<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] "
                             "/Contents (note: \\\\TOP SECRET\\\\ \\(draft\\)) >>";
    const std::string objects = "10 0 "; // object 10, at offset 0 after the header
    std::vector<PdfObject> pdf = onePage("<< >>", "BT /F1 12 Tf (page text) Tj ET", {kHelvetica});
    pdf.push_back({"<< /Title (Q3 plan \205 TOP SECRET) /Author (A. Chen) >>", {}}); // 6
    pdf.push_back({"<< /FT /Tx /T (ssn) /V <FEFF0054004F0050002000530045004300520045005400> "
                   "/TU (\357\273\277\344\272\272\345\212\233 owner) /Rect [0 0 1 1] >>",
                   {}}); // 7: the value "TOP SECRET", the tooltip 人力 owner
    pdf.push_back({"<< /Type /Sig /Contents <5349474E4154555245> /Rect [0 0 1 1] >>", {}}); // 8
    pdf.push_back({"<< /Type /ObjStm /N 1 /First " + std::to_string(objects.size()) +
                       " /Filter /FlateDecode >>",
                   deflate(objects + note)}); // 9, holding object 10: the note
    const Extracted e = extract(pdfFile(pdf));
    EXPECT_TRUE(contains(e.text, "Q3 plan \xe2\x80\x93 TOP SECRET\n")) << e.text; // 0x85: en dash
    EXPECT_TRUE(contains(e.text, "A. Chen\n"));
    // A field's strings in the order name, tooltip, value.
    EXPECT_TRUE(contains(e.text, "ssn\n\xe4\xba\xba\xe5\x8a\x9b owner\nTOP SECRET\n")) << e.text;
    EXPECT_TRUE(contains(e.text, "note: \\TOP SECRET\\ (draft)\n")) << e.text;
    EXPECT_FALSE(contains(e.text, "SIGNATURE")) << e.text; // the signature's blob
    EXPECT_TRUE(contains(e.text, "page text"));
    EXPECT_EQ(e.counters.document_strings, 6u); // title, author, T, V, TU, the note
    EXPECT_EQ(e.why, "");
}

TEST(PdfDocument, EncryptInTheTrailerMakesItEncrypted) {
    std::vector<PdfObject> objects =
        onePage("<< /Filter /FlateDecode >>", "\x8a\x13 not zlib at all", {kHelvetica});
    objects.push_back({"<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -44 >>", {}});
    const Extracted e = extract(pdfFile(objects, "/Encrypt 6 0 R /ID [<00> <00>]"));
    EXPECT_TRUE(e.encrypted);
    EXPECT_EQ(e.why, "encrypted");
    EXPECT_EQ(e.counters.encrypted, 1u);
}

TEST(PdfDocument, ImagesAndFontProgramsAreSkipped) {
    std::vector<PdfObject> objects = onePage("<< >>", kContent, {kHelvetica});
    objects.push_back({"<< /Type /XObject /Subtype /Image /Width 1 /Filter /DCTDecode >>",
                       std::string("\xff\xd8 (TOP SECRET) Tj", 18)});
    objects.push_back({"<< /Length1 10 >>", std::string("(hidden) Tj")});
    const Extracted e = extract(pdfFile(objects));
    EXPECT_EQ(e.counters.streams_skipped, 2u);
    EXPECT_FALSE(contains(e.text, "hidden"));
    EXPECT_EQ(e.why, "");
}

TEST(PdfDocument, UnknownFilterOnAStreamIsUninspectable) {
    const Extracted e = extract(pdfFile(onePage("<< /Filter /JBIG2Decode >>", "xx", {kHelvetica})));
    EXPECT_EQ(e.counters.streams_unsupported, 1u);
    EXPECT_EQ(e.why, "unsupported-filter");
}

TEST(PdfDocument, CorruptFlateIsUninspectable) {
    const Extracted e =
        extract(pdfFile(onePage("<< /Filter /FlateDecode >>", "\x78\x9c\xff\xff garbage", {})));
    EXPECT_EQ(e.counters.streams_corrupt, 1u);
    EXPECT_EQ(e.why, "corrupt");
}

TEST(PdfDocument, MaxObjectsAtItsLimit) {
    const std::string pdf = pdfFile(onePage("<< >>", kContent, {kHelvetica})); // 5 objects
    PdfLimits limits;
    limits.max_objects = 5;
    EXPECT_EQ(extract(pdf, limits).why, "");
    limits.max_objects = 4;
    const Extracted e = extract(pdf, limits);
    EXPECT_EQ(e.why, "max-pdf-objects");
    EXPECT_EQ(e.counters.objects_exceeded, 1u);
    EXPECT_TRUE(contains(e.text, "TOP SECRET")); // object 4, the content, was read first
}

TEST(PdfDocument, MaxStreamBytesAtItsLimit) {
    const std::string pdf = pdfFile(onePage("<< >>", kContent, {kHelvetica}));
    PdfLimits limits;
    limits.max_stream_bytes = kContent.size() + 1; // the stream's end of line is data too
    EXPECT_EQ(extract(pdf, limits).why, "");
    limits.max_stream_bytes = kContent.size();
    const Extracted e = extract(pdf, limits);
    EXPECT_EQ(e.why, "max-pdf-stream-bytes");
    EXPECT_EQ(e.counters.stream_bytes_exceeded, 1u);
}

TEST(PdfDocument, MaxBufferedBytesReadsTheStreamAtOnceWithoutItsFont) {
    PdfLimits limits;
    limits.max_buffered_bytes = kCjkContent.size() + 1; // and the end of line before endstream
    EXPECT_TRUE(contains(extract(pdfFile(cjkPage()), limits).text, "\xe6\x9c\xba"));
    limits.max_buffered_bytes = kCjkContent.size();
    const Extracted e = extract(pdfFile(cjkPage()), limits);
    EXPECT_EQ(e.why, "max-pdf-buffered-bytes");
    EXPECT_EQ(e.counters.buffered_exceeded, 1u);
    EXPECT_FALSE(contains(e.text, "\xe6\x9c\xba"));
}

TEST(PdfDocument, WorkerMemoryBudgetIsHeldAndGivenBack) {
    ExtractionBudget budget;
    budget.limit = 1 << 20;
    const Extracted ok = extract(pdfFile(cjkPage()), {}, 0, &budget);
    EXPECT_EQ(ok.why, "");
    EXPECT_GT(budget.peak, 0u);
    EXPECT_EQ(budget.in_use, 0u);

    ExtractionBudget tiny;
    tiny.limit = 8;
    const Extracted e = extract(pdfFile(cjkPage()), {}, 0, &tiny);
    EXPECT_EQ(e.why, "max-worker-memory");
    EXPECT_GE(e.counters.memory_exceeded, 1u);
    EXPECT_EQ(tiny.in_use, 0u);
}

TEST(PdfDocument, ExtractionTimeBound) {
    const std::string pdf = pdfFile(onePage("<< >>", kContent, {kHelvetica}));
    PdfLimits limits;
    limits.max_file_ms = 1; // the fake clock moves 1 ms per reading
    const Extracted e = extract(pdf, limits, 0, nullptr, fakeClock);
    EXPECT_EQ(e.why, "max-file-time");
    EXPECT_EQ(e.counters.time_exceeded, 1u);
    limits.max_file_ms = 1000;
    EXPECT_EQ(extract(pdf, limits, 0, nullptr, fakeClock).why, "");
}

TEST(PdfDocument, HoleInAStreamIsNotedAndTheRestIsRead) {
    const std::string pdf = pdfFile(onePage("<< >>", kContent, {kHelvetica}));
    PdfCounters counters;
    PdfDocument doc({}, counters, nullptr);
    std::string text;
    const size_t cut = pdf.find("Aurora");
    doc.feed(reinterpret_cast<const uint8_t*>(pdf.data()), cut, text);
    doc.gap();
    doc.feed(reinterpret_cast<const uint8_t*>(pdf.data()) + cut + 3, pdf.size() - cut - 3, text);
    doc.finish(text);
    EXPECT_EQ(std::string(doc.uninspectable()), "gap");
    EXPECT_EQ(counters.gaps, 1u);
}

// XMP metadata (a /Type /Metadata /Subtype /XML stream): its text, element content and
// attribute values, not the markup, after the page text; a broken packet gives what came before
// the fault and no reason.
TEST(PdfDocument, XmpMetadataTextIsRead) {
    const std::string xmp =
        "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
        "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
        "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
        "xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\" pdf:Keywords=\"budget; TOP SECRET\">"
        "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Aurora &#x7EDD;&#x5BC6; plan</rdf:li>"
        "</rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>\n"
        "<?xpacket end=\"w\"?>";
    auto objects = onePage("<< /Filter /FlateDecode >>", deflate(kContent), {kHelvetica});
    objects.push_back({"<< /Type /Metadata /Subtype /XML /Filter /FlateDecode >>", deflate(xmp)});
    const Extracted e = extract(pdfFile(objects));
    EXPECT_TRUE(contains(e.text, "Classification: TOP SECRET")) << e.text;
    EXPECT_TRUE(contains(e.text, "budget; TOP SECRET\n")) << e.text;
    EXPECT_TRUE(contains(e.text, "Aurora \xe7\xbb\x9d\xe5\xaf\x86 plan")) << e.text;
    EXPECT_FALSE(contains(e.text, "rdf:")) << e.text;     // no markup
    EXPECT_FALSE(contains(e.text, "purl.org")) << e.text; // no namespace declarations
    EXPECT_EQ(e.counters.metadata_streams, 1u);
    EXPECT_EQ(e.why, "");
    for (size_t piece : {size_t(1), size_t(7), size_t(100)})
        EXPECT_EQ(extract(pdfFile(objects), {}, piece).text, e.text) << piece;

    auto broken = onePage("<< >>", kContent, {kHelvetica});
    broken.push_back({"<< /Type /Metadata /Subtype /XML >>", "<a>kept<b></a>lost"});
    const Extracted b = extract(pdfFile(broken));
    EXPECT_TRUE(contains(b.text, "kept")) << b.text;
    EXPECT_FALSE(contains(b.text, "lost")) << b.text;
    EXPECT_EQ(b.why, "");
}

} // namespace
