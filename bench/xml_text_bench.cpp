// The office-XML text extractor against expat alone, on the same bytes in the same run: how much
// of the extractor's time is expat's parse (the ceiling while expat reads every text part, as
// issue 12 requires) and how much is the extractor's own handlers.
//   BM_XmlText/Word, /Sheet:     dpi::XmlTextExtractor, word/document.xml and an xlsx
//                                worksheet (inline strings and numbers) written the way Word and
//                                Excel write them (namespace declarations on the root, rsid and
//                                style attributes on every paragraph, run and cell).
//   BM_ExpatBare/Word, /Sheet:   expat without namespace processing and without handlers.
//   BM_ExpatNs/Word, /Sheet:     expat with namespace processing, without handlers.
// Input in 16 KiB pieces (what the ZIP walker's inflater hands on); bytes/s are of the XML.

#include <cstdint>
#include <expat.h>
#include <string>
#include <string_view>

#include <benchmark/benchmark.h>

#include "bench/bench_support.h"
#include "dpi/transform/xml/xml_text_extractor.h"

using namespace egressmon;

namespace {

constexpr size_t kPiece = 16 * 1024;
constexpr size_t kPartBytes = 2 << 20;

const char* const kWordRoot =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
    "<w:document "
    "xmlns:wpc=\"http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas\" "
    "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" "
    "xmlns:o=\"urn:schemas-microsoft-com:office:office\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" "
    "xmlns:m=\"http://schemas.openxmlformats.org/officeDocument/2006/math\" "
    "xmlns:v=\"urn:schemas-microsoft-com:vml\" "
    "xmlns:wp14=\"http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing\" "
    "xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" "
    "xmlns:w10=\"urn:schemas-microsoft-com:office:word\" "
    "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
    "xmlns:w14=\"http://schemas.microsoft.com/office/word/2010/wordml\" "
    "xmlns:w15=\"http://schemas.microsoft.com/office/word/2012/wordml\" "
    "xmlns:wpg=\"http://schemas.microsoft.com/office/word/2010/wordprocessingGroup\" "
    "xmlns:wps=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\" "
    "mc:Ignorable=\"w14 w15 wp14\"><w:body>";

// Paragraphs of three to six runs, each run with its own formatting, as Word writes a document
// edited over several sessions.
std::string wordDocument() {
    const std::string words = bench::englishText(kPartBytes / 4);
    std::string xml = kWordRoot;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    size_t at = 0;
    char rsid[9];
    while (xml.size() < kPartBytes) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        std::snprintf(rsid, sizeof rsid, "%08llX", static_cast<unsigned long long>(x >> 32));
        xml += "<w:p w14:paraId=\"";
        xml += rsid;
        xml += "\" w:rsidR=\"00A1B2C3\" w:rsidRDefault=\"";
        xml += rsid;
        xml += "\"><w:pPr><w:spacing w:after=\"120\" w:line=\"276\" w:lineRule=\"auto\"/>"
               "<w:jc w:val=\"both\"/></w:pPr>";
        const int runs = 3 + int(x % 4);
        for (int r = 0; r < runs; ++r) {
            xml += "<w:r w:rsidRPr=\"";
            xml += rsid;
            xml += "\"><w:rPr><w:rFonts w:ascii=\"Calibri\" w:hAnsi=\"Calibri\" "
                   "w:cs=\"Calibri\"/>";
            if ((x >> (8 + r)) & 1) xml += "<w:b/><w:bCs/>";
            xml += "<w:sz w:val=\"22\"/><w:szCs w:val=\"22\"/><w:lang w:val=\"en-GB\"/></w:rPr>"
                   "<w:t xml:space=\"preserve\">";
            const size_t len = 20 + (x >> (16 + r)) % 60;
            if (at + len > words.size()) at = 0;
            for (char c : std::string_view(words).substr(at, len))
                if (c != '\r' && c != '\n' && c != '<' && c != '&') xml += c;
            at += len;
            xml += "</w:t></w:r>";
        }
        xml += "</w:p>";
    }
    return xml + "<w:sectPr/></w:body></w:document>";
}

// A worksheet of inline-string and number cells, with the style and row attributes Excel writes.
std::string sheet() {
    const std::string words = bench::englishText(kPartBytes / 8);
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
        "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" "
        "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" "
        "xmlns:x14ac=\"http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac\" "
        "mc:Ignorable=\"x14ac\"><sheetData>";
    size_t at = 0;
    for (unsigned row = 1; xml.size() < kPartBytes; ++row) {
        const std::string row_number = std::to_string(row);
        xml += "<row r=\"";
        xml += row_number;
        xml += "\" spans=\"1:6\" x14ac:dyDescent=\"0.25\">";
        for (char col = 'A'; col <= 'F'; ++col) {
            std::string ref(1, col);
            ref += row_number;
            if (col == 'A' || col == 'D') {
                const size_t len = 12 + (row * 7 + col) % 30;
                if (at + len > words.size()) at = 0;
                std::string cell;
                for (char c : std::string_view(words).substr(at, len))
                    if (c != '\r' && c != '\n') cell += c;
                at += len;
                xml += "<c r=\"";
                xml += ref;
                xml += "\" s=\"3\" t=\"inlineStr\"><is><t>";
                xml += cell;
                xml += "</t></is></c>";
            } else {
                xml += "<c r=\"";
                xml += ref;
                xml += "\" s=\"1\"><v>";
                xml += std::to_string(row * 1013 + col);
                xml += "</v></c>";
            }
        }
        xml += "</row>";
    }
    return xml + "</sheetData></worksheet>";
}

const std::string& input(int which) {
    static const std::string word = wordDocument();
    static const std::string cells = sheet();
    return which == 0 ? word : cells;
}

struct CountingText : dpi::XmlTextOutput {
    uint64_t bytes = 0;
    void text(std::string_view utf8) noexcept override { bytes += utf8.size(); }
};

void BM_XmlText(benchmark::State& state) {
    const std::string& xml = input(int(state.range(0)));
    const auto in = bench::pieces(xml, kPiece);
    const auto format = state.range(0) == 0 ? dpi::XmlFormat::Word : dpi::XmlFormat::Spreadsheet;
    uint64_t text = 0;
    for (auto _ : state) {
        CountingText out;
        dpi::XmlTextExtractor extractor(format, {}, out);
        for (std::string_view p : in)
            extractor.feed(bench::u8(p), p.size());
        extractor.finish();
        if (extractor.outcome() != dpi::XmlOutcome::Complete || out.bytes == 0) {
            state.SkipWithError("extractor did not complete");
            break;
        }
        text += out.bytes;
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * xml.size()));
    state.counters["text"] = benchmark::Counter(
        static_cast<double>(text), benchmark::Counter::kIsRate, benchmark::Counter::kIs1024);
}
BENCHMARK(BM_XmlText)->ArgName("part")->Arg(0)->Arg(1);

void runExpat(benchmark::State& state, bool namespaces) {
    const std::string& xml = input(int(state.range(0)));
    const auto in = bench::pieces(xml, kPiece);
    for (auto _ : state) {
        XML_Parser p = namespaces ? XML_ParserCreateNS(nullptr, '\x01') : XML_ParserCreate(nullptr);
        bool ok = p != nullptr;
        for (std::string_view piece : in)
            ok = ok && XML_Parse(p, piece.data(), int(piece.size()), XML_FALSE) == XML_STATUS_OK;
        ok = ok && XML_Parse(p, nullptr, 0, XML_TRUE) == XML_STATUS_OK;
        XML_ParserFree(p);
        if (!ok) {
            state.SkipWithError("expat error");
            break;
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * xml.size()));
}

void BM_ExpatBare(benchmark::State& state) {
    runExpat(state, false);
}
BENCHMARK(BM_ExpatBare)->ArgName("part")->Arg(0)->Arg(1);

void BM_ExpatNs(benchmark::State& state) {
    runExpat(state, true);
}
BENCHMARK(BM_ExpatNs)->ArgName("part")->Arg(0)->Arg(1);

} // namespace
