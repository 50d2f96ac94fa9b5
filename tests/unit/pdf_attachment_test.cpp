// Files attached inside a PDF (/Type /EmbeddedFile streams): decoded through their filters into
// the attachment sink as they stream past, named by a file specification that came before them,
// cut with a reason at the stream bound, a hole or the time bound, not decoded in an encrypted
// file; and, through the registry, a file layer of its own that the transforms of its type open.

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <zlib.h>

#include "dpi/transform/layer_node.h"
#include "dpi/transform/pdf/pdf_document.h"
#include "dpi/transform/transform_registry.h"
#include "pdf_test_support.h"
#include "upload_tree.h"

namespace egressmon::dpi {
namespace {

using test::deflate;
using test::pdfFile;
using test::PdfObject;

const std::string kPayload = [] {
    std::string s = "Quarterly figures, TOP SECRET, do not forward.\n";
    for (int i = 0; i < 200; ++i)
        s += "row " + std::to_string(i) + ": 110101199003077777\n";
    return s;
}();

const std::string kCatalog =
    "<< /Type /Catalog /Pages 9 0 R /Names << /EmbeddedFiles << /Names [(plan) 2 0 R] >> >> >>";
// UF: "plan-é.txt" in UTF-16BE; F: the ASCII fallback.
const std::string kFileSpec = "<< /Type /Filespec /F (plan.txt) "
                              "/UF <FEFF0070006C0061006E002D00E9002E007400780074> "
                              "/EF << /F 3 0 R >> >>";
const std::string kAttachmentDict = "<< /Type /EmbeddedFile /Subtype /text#2Fplain "
                                    "/Filter /FlateDecode /Params << /Size 42 >> >>";

struct Event {
    std::string name;
    std::string bytes;
    std::optional<std::string> uninspectable; // set when it ended; "" when whole
};

struct Attachments final : PdfAttachmentSink {
    void beginAttachment(std::string_view name) noexcept override {
        EXPECT_TRUE(files.empty() || files.back().uninspectable) << "one at a time";
        files.push_back({std::string(name), {}, std::nullopt});
    }
    void attachmentData(const uint8_t* data, size_t len) noexcept override {
        EXPECT_FALSE(files.empty());
        files.back().bytes.append(reinterpret_cast<const char*>(data), len);
    }
    void endAttachment(const char* why) noexcept override {
        EXPECT_FALSE(files.empty());
        files.back().uninspectable = why ? why : "";
    }
    std::vector<Event> files;
};

struct Read {
    std::vector<Event> files;
    std::string why;
    PdfCounters counters;
};

uint64_t fakeNow = 0;
uint64_t fakeClock() noexcept {
    return fakeNow += 1000000; // each reading 1 ms later
}

Read read(std::string_view pdf, const PdfLimits& limits = {}, size_t piece = 0,
          size_t hole_at = std::string_view::npos, bool sink = true,
          PdfDocument::Clock clock = PdfDocument::steadyNanos) {
    Read r;
    Attachments files;
    {
        PdfDocument doc(limits, r.counters, nullptr, clock);
        if (sink) doc.setAttachmentSink(&files);
        std::string text;
        if (piece == 0) piece = pdf.size();
        for (size_t at = 0; at < pdf.size(); at += piece) {
            std::string_view p = pdf.substr(at, piece);
            if (hole_at >= at && hole_at < at + p.size()) { // 4 bytes lost from hole_at
                doc.feed(reinterpret_cast<const uint8_t*>(p.data()), hole_at - at, text);
                doc.gap();
                const size_t resume = std::min(hole_at + 4, at + p.size());
                p = pdf.substr(resume, at + p.size() - resume);
            }
            doc.feed(reinterpret_cast<const uint8_t*>(p.data()), p.size(), text);
        }
        doc.finish(text);
        if (const char* why = doc.uninspectable()) r.why = why;
    }
    r.files = files.files;
    return r;
}

TEST(PdfAttachment, AfterItsFileSpecificationItIsNamedAndDecoded) {
    const std::string pdf = pdfFile({{kCatalog, {}},
                                     {kFileSpec, {}},
                                     {kAttachmentDict, deflate(kPayload)},
                                     {"<< /Type /Pages /Kids [] /Count 0 >>", {}}});
    const Read r = read(pdf);
    ASSERT_EQ(r.files.size(), 1u);
    EXPECT_EQ(r.files[0].name, "plan-\xc3\xa9.txt"); // /UF before /F
    EXPECT_EQ(r.files[0].bytes, kPayload);
    EXPECT_EQ(r.files[0].uninspectable, "");
    EXPECT_EQ(r.counters.attachments, 1u);
    EXPECT_EQ(r.why, "");
}

TEST(PdfAttachment, BeforeItsFileSpecificationItHasNoName) {
    // pypdf and others write the stream first: its name comes too late for the layer.
    const std::string pdf =
        pdfFile({{kCatalog, {}},
                 {kAttachmentDict, deflate(kPayload)},
                 {"<< /Type /Filespec /F (late.txt) /EF << /F 2 0 R >> >>", {}}});
    const Read r = read(pdf);
    ASSERT_EQ(r.files.size(), 1u);
    EXPECT_EQ(r.files[0].name, "");
    EXPECT_EQ(r.files[0].bytes, kPayload);
}

TEST(PdfAttachment, AnnotationFileSpecificationAndTheFFallback) {
    const std::string pdf =
        pdfFile({{kCatalog, {}},
                 {"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS << /Type /Filespec "
                  "/F (notes.docx) /EF << /F 3 0 R >> >> >>",
                  {}},
                 {"<< /Type /EmbeddedFile >>", "plain bytes, no filter"}});
    const Read r = read(pdf);
    ASSERT_EQ(r.files.size(), 1u);
    EXPECT_EQ(r.files[0].name, "notes.docx");
    EXPECT_EQ(r.files[0].bytes, "plain bytes, no filter"); // the EOL before endstream dropped
}

// An unfiltered attachment ends at its direct /Length, or else one EOL before "endstream" is
// not its own; any split of the input gives the same bytes.
TEST(PdfAttachment, UnfilteredBytesEndAtLengthOrBeforeTheLastEol) {
    const std::string spec = "<< /Type /Filespec /F (a.bin) /EF << /F 3 0 R >> >>";
    const std::string data = "line one\r\nline two\n\n";
    const std::string with_length =
        pdfFile({{kCatalog, {}},
                 {spec, {}},
                 {"<< /Type /EmbeddedFile /Length " + std::to_string(data.size()) + " >>", data}});
    std::string crlf_eol =
        pdfFile({{kCatalog, {}}, {spec, {}}, {"<< /Type /EmbeddedFile >>", data}});
    const size_t end = crlf_eol.find("\nendstream");
    crlf_eol.replace(end, 1, "\r\n");
    for (size_t piece : {size_t(0), size_t(1), size_t(2), size_t(3), size_t(7)}) {
        Read r = read(with_length, {}, piece);
        ASSERT_EQ(r.files.size(), 1u);
        EXPECT_EQ(r.files[0].bytes, data) << piece;
        r = read(crlf_eol, {}, piece);
        ASSERT_EQ(r.files.size(), 1u);
        EXPECT_EQ(r.files[0].bytes, data) << piece;
    }
}

TEST(PdfAttachment, WithoutASinkTheyAreSkippedLikeImages) {
    const std::string pdf =
        pdfFile({{kCatalog, {}}, {kFileSpec, {}}, {kAttachmentDict, deflate(kPayload)}});
    const Read r = read(pdf, {}, 0, std::string_view::npos, /*sink=*/false);
    EXPECT_TRUE(r.files.empty());
    EXPECT_EQ(r.counters.attachments, 0u);
    EXPECT_EQ(r.counters.streams_skipped, 1u);
}

TEST(PdfAttachment, SameBytesForEveryPieceSize) {
    const std::string pdf = pdfFile({{kCatalog, {}},
                                     {kFileSpec, {}},
                                     {kAttachmentDict, deflate(kPayload)},
                                     {kAttachmentDict, deflate("second")}});
    for (size_t piece = 1; piece < 80; ++piece) {
        const Read r = read(pdf, {}, piece);
        ASSERT_EQ(r.files.size(), 2u) << piece;
        ASSERT_EQ(r.files[0].bytes, kPayload) << piece;
        ASSERT_EQ(r.files[0].name, "plan-\xc3\xa9.txt") << piece;
        ASSERT_EQ(r.files[1].bytes, "second") << piece;
        ASSERT_EQ(r.files[1].name, "") << piece; // no file specification points at 4
    }
}

TEST(PdfAttachment, StreamBoundCutsItWithItsReason) {
    const std::string pdf =
        pdfFile({{kCatalog, {}}, {kFileSpec, {}}, {kAttachmentDict, deflate(kPayload)}});
    PdfLimits limits;
    limits.max_stream_bytes = kPayload.size(); // at the bound: whole
    Read r = read(pdf, limits);
    ASSERT_EQ(r.files.size(), 1u);
    EXPECT_EQ(r.files[0].uninspectable, "");
    limits.max_stream_bytes = kPayload.size() - 1; // one byte over: cut
    r = read(pdf, limits);
    ASSERT_EQ(r.files.size(), 1u);
    EXPECT_EQ(r.files[0].bytes, kPayload.substr(0, kPayload.size() - 1));
    EXPECT_EQ(r.files[0].uninspectable, "max-pdf-stream-bytes");
    EXPECT_EQ(r.why, "max-pdf-stream-bytes");
    EXPECT_EQ(r.counters.stream_bytes_exceeded, 1u);
}

TEST(PdfAttachment, HoleInsideItCutsItAsGap) {
    const std::string payload(4000, 'x');
    const std::string pdf = pdfFile({{kCatalog, {}},
                                     {kFileSpec, {}},
                                     {"<< /Type /EmbeddedFile >>", payload},
                                     {kAttachmentDict, deflate("after the hole")}});
    const Read r = read(pdf, {}, 512, pdf.find(payload) + 1000);
    ASSERT_EQ(r.files.size(), 2u);
    EXPECT_EQ(r.files[0].bytes, payload.substr(0, 1000)); // what came before the hole
    EXPECT_EQ(r.files[0].uninspectable, "gap");
    EXPECT_EQ(r.files[1].bytes, "after the hole");
    EXPECT_EQ(r.files[1].uninspectable, "");
    EXPECT_EQ(r.why, "gap");
}

TEST(PdfAttachment, TimeBoundEndsAnOpenAttachment) {
    const std::string pdf = pdfFile(
        {{kCatalog, {}}, {kFileSpec, {}}, {"<< /Type /EmbeddedFile >>", std::string(4000, 'y')}});
    PdfLimits limits;
    limits.max_file_ms = 40; // the fake clock moves 1 ms per reading, 2 readings per feed
    const Read r = read(pdf, limits, 64, std::string_view::npos, true, fakeClock);
    ASSERT_EQ(r.files.size(), 1u);
    EXPECT_EQ(r.files[0].uninspectable, "max-file-time");
    EXPECT_LT(r.files[0].bytes.size(), 4000u);
    EXPECT_EQ(r.why, "max-file-time");
}

TEST(PdfAttachment, EncryptedFileAttachmentsAreNotDecoded) {
    // A cross-reference stream's dictionary (with /Size) names the encryption dictionary
    // before the attachment: its bytes are ciphertext.
    const std::string pdf = pdfFile({{kCatalog, {}},
                                     {"<< /Type /XRef /Size 5 /Encrypt 5 0 R >>", {}},
                                     {kFileSpec, {}},
                                     {kAttachmentDict, deflate(kPayload)}});
    const Read r = read(pdf);
    EXPECT_TRUE(r.files.empty());
    EXPECT_EQ(r.why, "encrypted");
}

TEST(PdfAttachment, LongNamesAreCutAtACharacterStart) {
    std::string name;
    for (int i = 0; i < 200; ++i)
        name += "\xc3\xa9"; // é: 400 bytes of UTF-8 as PDFDocEncoding 0xE9 below
    std::string pdfdoc(200, '\xe9');
    const std::string pdf =
        pdfFile({{kCatalog, {}},
                 {"<< /Type /Filespec /F (" + pdfdoc + ") /EF << /F 3 0 R >> >>", {}},
                 {"<< /Type /EmbeddedFile >>", "z"}});
    const Read r = read(pdf);
    ASSERT_EQ(r.files.size(), 1u);
    EXPECT_EQ(r.files[0].name, name.substr(0, 254)); // 127 whole characters, under 255 bytes
}

// A direct /Length that leaves only an EOL before "endstream" says where the file ends, so a
// file whose last byte is CR keeps it; a /Length that is too short or too long is not trusted
// (readers go by "endstream" then): one EOL is dropped and nothing else.
TEST(PdfAttachment, LengthIsTrustedOnlyWhenAnEolIsAllThatFollowsIt) {
    const std::string spec = "<< /Type /Filespec /F (a.bin) /EF << /F 3 0 R >> >>";
    auto file = [&](std::string_view length, const std::string& data) {
        return pdfFile({{kCatalog, {}},
                        {spec, {}},
                        {"<< /Type /EmbeddedFile " + std::string(length) + ">>", data}});
    };
    struct Case {
        std::string length;
        std::string data;
        std::string expect;
    } cases[] = {
        {"/Length 5 ", "line\r", "line\r"},  // the EOL rule alone would drop "\r\n"
        {"", "line\r", "line"},              // no /Length: CR LF is one EOL
        {"/Length 3 ", "abcdef", "abcdef"},  // too short: the bytes after it are not an EOL
        {"/Length 99 ", "abcdef", "abcdef"}, // too long
        {"/Length 6 ", "abcdef", "abcdef"},
        {"/Length 0 ", "", ""},
    };
    for (const Case& c : cases)
        for (size_t piece : {size_t(0), size_t(1), size_t(2), size_t(5)}) {
            const Read r = read(file(c.length, c.data), {}, piece);
            ASSERT_EQ(r.files.size(), 1u) << c.length << piece;
            EXPECT_EQ(r.files[0].bytes, c.expect) << c.length << " piece " << piece;
            EXPECT_EQ(r.files[0].uninspectable, "") << c.length;
        }
}

TEST(PdfAttachment, FileEndingInsideItIsTruncated) {
    std::string pdf = pdfFile({{kCatalog, {}},
                               {kFileSpec, {}},
                               {"<< /Type /EmbeddedFile >>", std::string(300, 'q')},
                               {kAttachmentDict, deflate(kPayload)}});
    // Cut inside the unfiltered attachment, then inside the deflated one.
    for (const size_t cut : {pdf.find("qqq") + 100, pdf.rfind("endstream") - 20}) {
        const Read r = read(std::string_view(pdf).substr(0, cut));
        ASSERT_FALSE(r.files.empty());
        EXPECT_EQ(r.files.back().uninspectable, "truncated") << cut;
        EXPECT_EQ(r.why, "truncated") << cut;
    }
    EXPECT_EQ(read(std::string_view(pdf).substr(0, pdf.find("qqq") + 100)).files[0].bytes,
              std::string(100, 'q')); // every byte it had: no EOL to drop
}

// /Type is optional on an embedded file stream: a file specification's /EF that came first
// makes the stream an attachment whatever it says it is; one that comes after a stream read as
// something else makes the PDF uninspectable.
TEST(PdfAttachment, FoundByTheFileSpecificationNotOnlyByType) {
    const std::string untyped =
        pdfFile({{kCatalog, {}},
                 {kFileSpec, {}},
                 {"<< /Type /Metadata /Filter /FlateDecode >>", deflate(kPayload)}});
    Read r = read(untyped);
    ASSERT_EQ(r.files.size(), 1u);
    EXPECT_EQ(r.files[0].bytes, kPayload);
    EXPECT_EQ(r.files[0].name, "plan-\xc3\xa9.txt");
    EXPECT_EQ(r.why, "");

    const std::string late =
        pdfFile({{kCatalog, {}},
                 {"<< /Filter /FlateDecode >>", deflate(kPayload)},
                 {"<< /Type /Filespec /F (late.txt) /EF << /F 2 0 R >> >>", {}}});
    r = read(late);
    EXPECT_TRUE(r.files.empty());
    EXPECT_EQ(r.why, "attachment-unread");

    const std::string missing =
        pdfFile({{kCatalog, {}}, {"<< /Type /Filespec /F (x) /EF << /F 9 0 R >> >>", {}}});
    EXPECT_EQ(read(missing).why, "attachment-unread");
}

// What an /EF names is an attachment whatever its dictionary claims (pdf.js decodes it so):
// an object stream's /Type, and every version of the number (an incremental update writes it
// again after a typed decoy); and each key of /EF, as readers differ in which they open.
TEST(PdfAttachment, EveryStreamAnEfNamesIsRead) {
    const std::string objstm =
        pdfFile({{kCatalog, {}},
                 {kFileSpec, {}},
                 {"<< /Type /ObjStm /N 0 /First 0 /Filter /FlateDecode >>", deflate(kPayload)}});
    Read r = read(objstm);
    ASSERT_EQ(r.files.size(), 1u);
    EXPECT_EQ(r.files[0].bytes, kPayload);

    std::string updated =
        pdfFile({{kCatalog, {}}, {kFileSpec, {}}, {"<< /Type /EmbeddedFile >>", "decoy"}});
    updated += "3 0 obj\n<< /Subtype /Image >>\nstream\nthe real one\nendstream\nendobj\n";
    r = read(updated);
    ASSERT_EQ(r.files.size(), 2u);
    EXPECT_EQ(r.files[0].bytes, "decoy");
    EXPECT_EQ(r.files[1].bytes, "the real one");
    EXPECT_EQ(r.files[1].name, "plan-\xc3\xa9.txt");

    const std::string two_keys =
        pdfFile({{kCatalog, {}},
                 {"<< /Type /Filespec /F (a.txt) /UF (a.txt) /EF << /UF 3 0 R /F 4 0 R >> >>", {}},
                 {"<< >>", "what pdf.js opens"},
                 {"<< >>", "what poppler opens"}});
    r = read(two_keys);
    ASSERT_EQ(r.files.size(), 2u);
    EXPECT_EQ(r.files[0].bytes, "what pdf.js opens");
    EXPECT_EQ(r.files[1].bytes, "what poppler opens");
    EXPECT_EQ(r.files[1].name, "a.txt");
    EXPECT_EQ(r.why, "");
}

// File specifications written inline: in the catalog's name tree, in an /Annots array (a file
// attachment annotation's /FS), in PDF 2.0's /AF. Each names an untyped stream that comes
// after it.
TEST(PdfAttachment, InlineFileSpecificationsAreFound) {
    const std::string pdf = pdfFile(
        {{"<< /Type /Catalog /Pages 5 0 R /Names << /EmbeddedFiles << /Names [(a) << /Type "
          "/Filespec /F (tree.txt) /EF << /F 3 0 R >> >>] >> >> >>",
          {}},
         {"<< /Type /Page /Annots [<< /Subtype /Link >> << /Subtype /FileAttachment /Rect [0 0 "
          "9 9] /FS << /F (note.txt) /EF << /F 4 0 R >> >> >>] /AF [<< /Type /Filespec /UF "
          "(af.txt) /EF << /F 6 0 R >> >>] >>",
          {}},
         {"<< >>", "in the name tree"},
         {"<< >>", "in an annotation"},
         {"<< /Type /Pages /Kids [2 0 R] /Count 1 >>", {}},
         {"<< >>", "associated file"}});
    const Read r = read(pdf);
    ASSERT_EQ(r.files.size(), 3u);
    EXPECT_EQ(r.files[0].name, "tree.txt");
    EXPECT_EQ(r.files[0].bytes, "in the name tree");
    EXPECT_EQ(r.files[1].name, "note.txt");
    EXPECT_EQ(r.files[1].bytes, "in an annotation");
    EXPECT_EQ(r.files[2].name, "af.txt");
    EXPECT_EQ(r.files[2].bytes, "associated file");
    EXPECT_EQ(r.why, "");
}

TEST(PdfAttachment, ExactLengthWithNoEolBeforeEndstream) {
    std::string pdf = pdfFile({{kCatalog, {}},
                               {"<< /Type /Filespec /F (a) /EF << /F 3 0 R >> >>", {}},
                               {"<< /Type /EmbeddedFile /Length 4 >>", "ab\r\n"}});
    // "ab\r\n" then "\nendstream": make it "ab\r\nendstream" (the writer put no EOL).
    pdf.erase(pdf.find("\nendstream"), 1);
    for (size_t piece : {size_t(0), size_t(1), size_t(3)}) {
        const Read r = read(pdf, {}, piece);
        ASSERT_EQ(r.files.size(), 1u);
        EXPECT_EQ(r.files[0].bytes, "ab\r\n") << piece;
    }
}

TEST(PdfAttachment, MoreFileSpecificationsThanFollowedMakeItUninspectable) {
    std::vector<PdfObject> objects = {{kCatalog, {}}};
    for (size_t i = 0; i < PdfDocument::kMaxAttachmentNames + 1; ++i)
        objects.push_back(
            {"<< /Type /Filespec /F (f) /EF << /F " + std::to_string(1000 + i) + " 0 R >> >>", {}});
    EXPECT_EQ(read(pdfFile(objects)).why, "attachment-unread");
}

// Through the registry: the attachment is a file layer of its own under the PDF, named, and
// the transforms of its type read it (a zip's entries here).
TEST(PdfAttachment, IsAFileLayerThatItsTypesTransformsOpen) {
    const std::string entry = "TOP SECRET inside a zip inside a PDF";
    // A stored zip of one entry, built by hand (local header, data, central directory, end).
    auto le16 = [](std::string& s, uint16_t v) { s += char(v & 0xff), s += char(v >> 8); };
    auto le32 = [&](std::string& s, uint32_t v) {
        le16(s, uint16_t(v)), le16(s, uint16_t(v >> 16));
    };
    const uint32_t crc =
        uint32_t(crc32(0, reinterpret_cast<const Bytef*>(entry.data()), uInt(entry.size())));
    const std::string file_name = "memo.txt";
    std::string zip = "PK\x03\x04";
    le16(zip, 20), le16(zip, 0), le16(zip, 0), le16(zip, 0), le16(zip, 0);
    le32(zip, crc), le32(zip, uint32_t(entry.size())), le32(zip, uint32_t(entry.size()));
    le16(zip, uint16_t(file_name.size())), le16(zip, 0);
    zip += file_name + entry;
    const uint32_t central = uint32_t(zip.size());
    zip += "PK\x01\x02";
    le16(zip, 20), le16(zip, 20), le16(zip, 0), le16(zip, 0), le16(zip, 0), le16(zip, 0);
    le32(zip, crc), le32(zip, uint32_t(entry.size())), le32(zip, uint32_t(entry.size()));
    le16(zip, uint16_t(file_name.size())), le16(zip, 0), le16(zip, 0), le16(zip, 0), le16(zip, 0);
    le32(zip, 0), le32(zip, 0);
    zip += file_name;
    const uint32_t central_size = uint32_t(zip.size()) - central;
    zip += "PK\x05\x06";
    le16(zip, 0), le16(zip, 0), le16(zip, 1), le16(zip, 1);
    le32(zip, central_size), le32(zip, central), le16(zip, 0);

    const std::string pdf =
        pdfFile({{kCatalog, {}},
                 {"<< /Type /Filespec /F (bundle.zip) /EF << /F 3 0 R >> >>", {}},
                 {"<< /Type /EmbeddedFile /Filter /FlateDecode >>", deflate(zip)}});

    test::UploadTree upload("report.pdf");
    for (size_t at = 0; at < pdf.size(); at += 100)
        upload.data(std::string_view(pdf).substr(at, 100));
    upload.root.finish();
    const test::RecordingSink& sink = upload.sink;
    const int attachment = upload.layer("pdf.attachment"), zip_entry = upload.layer("zip.entry");
    ASSERT_GE(attachment, 0);
    ASSERT_GE(zip_entry, 0);
    EXPECT_EQ(sink.file_names[size_t(attachment)], "bundle.zip");
    EXPECT_EQ(sink.layers[size_t(attachment)].second, zip);
    EXPECT_EQ(sink.parentIndex(size_t(attachment)), 0); // the PDF's own layer
    EXPECT_EQ(sink.parentIndex(size_t(zip_entry)), attachment);
    EXPECT_EQ(sink.file_names[size_t(zip_entry)], "memo.txt");
    EXPECT_EQ(sink.layers[size_t(zip_entry)].second, entry);
    EXPECT_EQ(upload.ctx.counters.pdf.attachments, 1u);
    EXPECT_EQ(sink.openCount(), 0u);
}

// A short attachment (under the 16 bytes a layer holds to sniff its type) cut by a hole still
// carries its reason: the note waits for the layer to begin.
TEST(PdfAttachment, ShortAttachmentCutByAHoleIsNotedOnItsLayer) {
    const std::string pdf = pdfFile({{kCatalog, {}},
                                     {"<< /Type /Filespec /F (s.txt) /EF << /F 3 0 R >> >>", {}},
                                     {"<< /Type /EmbeddedFile >>", "shortXYZW"}});
    test::UploadTree upload("report.pdf");
    const size_t hole = pdf.find("XYZW");
    upload.data(std::string_view(pdf).substr(0, hole));
    upload.root.gap(4);
    upload.data(std::string_view(pdf).substr(hole + 4));
    upload.root.finish();
    const test::NotingSink& sink = upload.sink;
    const int attachment = upload.layer("pdf.attachment");
    ASSERT_GE(attachment, 0);
    EXPECT_EQ(sink.layers[size_t(attachment)].second, "short");
    const LayerId id = sink.ids[size_t(attachment)];
    bool noted = false;
    for (const auto& [layer, why] : sink.notes)
        if (layer == id && why == "gap") noted = true;
    EXPECT_TRUE(noted);
}

} // namespace
} // namespace egressmon::dpi
