// PdfObjectScanner: objects, streams ended by "endstream" whatever /Length says, trailers, the
// body bound, holes, and the same events however the file is cut.

#include <string>

#include <gtest/gtest.h>

#include "dpi/transform/pdf/pdf_object_scanner.h"

using egressmon::dpi::PdfObjectScanner;
using egressmon::dpi::PdfScanEvents;

namespace {

// Every event as text; a stream's data joined, so any split gives the same log.
class EventLog final : public PdfScanEvents {
  public:
    std::string log;
    void object(uint32_t num, std::string_view body, bool has_stream) noexcept override {
        log += "obj " + std::to_string(num) + (has_stream ? " stream" : "") + " [" +
               std::string(body) + "]\n";
    }
    void streamData(const uint8_t* data, size_t len) noexcept override {
        data_.append(reinterpret_cast<const char*>(data), len);
    }
    void streamEnd(bool broken, bool complete) noexcept override {
        log += "data [" + data_ + "]" + (broken ? " broken" : "") +
               (complete ? "" : " incomplete") + "\n";
        data_.clear();
    }
    void trailer(std::string_view body) noexcept override {
        log += "trailer [" + std::string(body) + "]\n";
    }

  private:
    std::string data_;
};

std::string scan(std::string_view pdf, size_t piece, size_t max_body = 1 << 20) {
    PdfObjectScanner scanner(max_body);
    EventLog events;
    for (size_t at = 0; at < pdf.size(); at += piece) {
        const std::string_view p = pdf.substr(at, piece);
        scanner.feed(reinterpret_cast<const uint8_t*>(p.data()), p.size(), events);
    }
    scanner.finish(events);
    return events.log;
}

const std::string kPdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
                         "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                         "4 0 obj\n<< /Length 99 >>\nstream\r\nBT (endstrea) Tj ET\nendstream\n"
                         "endobj\n"
                         "5 0 obj<</Length 3>>stream\nabc\nendstream endobj\n"
                         "xref\n0 6\n0000000000 65535 f \ntrailer\n<< /Size 6 /Root 1 0 R >>\n"
                         "startxref\n123\n%%EOF\n";

const std::string kEvents = "obj 1 [\n<< /Type /Catalog /Pages 2 0 R >>\n]\n"
                            "obj 4 stream [\n<< /Length 99 >>\n]\n"
                            "data [BT (endstrea) Tj ET\n]\n"
                            "obj 5 stream [<</Length 3>>]\n"
                            "data [abc\n]\n"
                            "trailer [\n<< /Size 6 /Root 1 0 R >>\n]\n";

TEST(PdfObjectScanner, FindsObjectsStreamsAndTrailer) {
    EXPECT_EQ(scan(kPdf, kPdf.size()), kEvents);
}

TEST(PdfObjectScanner, SameEventsForEveryCut) {
    for (size_t piece = 1; piece <= kPdf.size(); ++piece)
        ASSERT_EQ(scan(kPdf, piece), kEvents) << "pieces of " << piece;
}

TEST(PdfObjectScanner, TwoPiecesAtEveryBoundary) {
    for (size_t cut = 0; cut <= kPdf.size(); ++cut) {
        PdfObjectScanner scanner(1 << 20);
        EventLog events;
        scanner.feed(reinterpret_cast<const uint8_t*>(kPdf.data()), cut, events);
        scanner.feed(reinterpret_cast<const uint8_t*>(kPdf.data()) + cut, kPdf.size() - cut,
                     events);
        scanner.finish(events);
        ASSERT_EQ(events.log, kEvents) << "cut at " << cut;
    }
}

TEST(PdfObjectScanner, EndStreamOverlappingItsOwnStartIsFound) {
    // "endstre" then "endstream": the held prefix's last 'e' starts the real keyword.
    const std::string pdf = "3 0 obj <<>> stream\nxxendstrendstream\nendobj\n";
    for (size_t piece = 1; piece <= pdf.size(); ++piece)
        ASSERT_EQ(scan(pdf, piece), "obj 3 stream [ <<>> ]\ndata [xxendstr]\n") << piece;
}

TEST(PdfObjectScanner, StreamCutByTheEndOfTheFileIsIncomplete) {
    EXPECT_EQ(scan("7 0 obj <<>> stream\nBT (a) Tj endstr", 5),
              "obj 7 stream [ <<>> ]\ndata [BT (a) Tj endstr] incomplete\n");
}

TEST(PdfObjectScanner, KeywordsInsideOtherWordsAreNotKeywords) {
    EXPECT_EQ(scan("1 0 obj << /Title /upstream /X /myendobj >> endobj\n", 3),
              "obj 1 [ << /Title /upstream /X /myendobj >> ]\n");
}

TEST(PdfObjectScanner, LongTextKeepsItsTailAtTheBound) {
    // 4 KiB of xref lines before the trailer, with a 1 KiB bound: the trailer still comes.
    std::string pdf = "xref\n0 300\n";
    for (int i = 0; i < 300; ++i)
        pdf += "0000000000 00000 n \n";
    pdf += "trailer << /Size 300 /Encrypt 9 0 R >>\nstartxref\n0\n%%EOF\n";
    PdfObjectScanner scanner(1024);
    EventLog events;
    scanner.feed(reinterpret_cast<const uint8_t*>(pdf.data()), pdf.size(), events);
    scanner.finish(events);
    EXPECT_EQ(events.log, "trailer [ << /Size 300 /Encrypt 9 0 R >>\n]\n");
    EXPECT_GT(scanner.bodiesCut(), 0u);
}

TEST(PdfObjectScanner, HoleInsideAStreamBreaksItAndTheNextObjectIsRead) {
    const std::string a = "4 0 obj <<>> stream\nabc",
                      b = "def\nendstream endobj 5 0 obj << /K 1 >> endobj ";
    PdfObjectScanner scanner(1 << 20);
    EventLog events;
    scanner.feed(reinterpret_cast<const uint8_t*>(a.data()), a.size(), events);
    scanner.gap(events);
    scanner.feed(reinterpret_cast<const uint8_t*>(b.data()), b.size(), events);
    scanner.finish(events);
    EXPECT_EQ(events.log, "obj 4 stream [ <<>> ]\ndata [abc] broken\nobj 5 [ << /K 1 >> ]\n");
}

TEST(PdfObjectScanner, HoleOutsideDropsTheTextAndResynchronises) {
    const std::string a = "4 0 obj << /Ty", b = "pe /X >> endobj 5 0 obj << /K 1 >> endobj ";
    PdfObjectScanner scanner(1 << 20);
    EventLog events;
    scanner.feed(reinterpret_cast<const uint8_t*>(a.data()), a.size(), events);
    scanner.gap(events);
    scanner.feed(reinterpret_cast<const uint8_t*>(b.data()), b.size(), events);
    scanner.finish(events);
    EXPECT_EQ(events.log, "obj 5 [ << /K 1 >> ]\n");
}

} // namespace
