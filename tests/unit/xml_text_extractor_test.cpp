// XmlTextExtractor (dpi/transform/xml/): the text of each office format's XML parts, Word's
// split runs joined, references decoded, the bounds (depth at its limit, entity declarations,
// token size), malformed input and holes, and the same text for any split of the input.

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "dpi/transform/xml/xml_text_extractor.h"

namespace egressmon::dpi {
namespace {

constexpr std::string_view kW =
    R"(xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main")";
constexpr std::string_view kX =
    R"(xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main")";
constexpr std::string_view kA =
    R"(xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main")";
constexpr std::string_view kOdf =
    R"(xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" )"
    R"(xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0")";

struct Collect final : XmlTextOutput {
    void text(std::string_view utf8) noexcept override {
        out.append(utf8);
        EXPECT_LE(utf8.size(), XmlTextExtractor::kBufferBytes);
    }
    std::string out;
};

struct Result {
    std::string text;
    XmlOutcome outcome;
};

// Feeds `xml` in pieces of `piece` bytes (0: whole), then finishes.
Result extract(XmlFormat format, std::string_view xml, size_t piece = 0,
               const XmlLimits& limits = XmlLimits()) {
    Collect out;
    XmlTextExtractor x(format, limits, out);
    if (piece == 0) piece = xml.size() + 1;
    for (size_t at = 0; at < xml.size(); at += piece) {
        const std::string_view p = xml.substr(at, piece);
        x.feed(reinterpret_cast<const uint8_t*>(p.data()), p.size());
    }
    x.finish();
    return {out.out, x.outcome()};
}

std::string word(std::string_view body) {
    return std::string(
               "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document ") +
           std::string(kW) + "><w:body>" + std::string(body) + "</w:body></w:document>";
}

std::string nested(uint32_t depth) {
    std::string s;
    for (uint32_t i = 0; i < depth; ++i)
        s += "<e>";
    for (uint32_t i = 0; i < depth; ++i)
        s += "</e>";
    return s;
}

TEST(XmlTextExtractor, WordJoinsSplitRuns) {
    const std::string doc =
        word(R"(<w:p><w:r><w:t xml:space="preserve">TOP </w:t></w:r><w:r><w:rPr><w:b/></w:rPr>)"
             R"(<w:t>SECRET</w:t></w:r></w:p>)");
    const Result r = extract(XmlFormat::Word, doc);
    EXPECT_EQ(r.text, "TOP SECRET\n");
    EXPECT_EQ(r.outcome, XmlOutcome::Complete);
}

TEST(XmlTextExtractor, WordTabsBreaksParagraphsAndSkippedText) {
    const std::string doc = word(
        R"(<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>)"
        R"(<w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:cr/></w:r>)"
        R"(<w:r><w:instrText> PAGE </w:instrText></w:r><w:del><w:r><w:delText>gone</w:delText>)"
        R"(</w:r></w:del></w:p><w:p><w:r><w:t>d</w:t></w:r></w:p>)");
    EXPECT_EQ(extract(XmlFormat::Word, doc).text, "a\tb\nc\n\nd\n");
}

TEST(XmlTextExtractor, MatchesByNamespaceNotPrefix) {
    const std::string doc =
        R"(<x:document xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main" )"
        R"(xmlns:w="urn:other"><x:body><x:p><x:r><x:t>yes</x:t><w:t>no</w:t></x:r></x:p>)"
        R"(</x:body></x:document>)";
    EXPECT_EQ(extract(XmlFormat::Word, doc).text, "yes\n");
}

// expat reads without namespace processing; the extractor resolves prefixes itself, by the
// rules of Namespaces in XML: innermost declaration wins, a declaration is in scope for its own
// element and everything inside it, and no longer after it.
TEST(XmlTextExtractor, PrefixesResolveByScope) {
    constexpr std::string_view kWordUri =
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    const std::string doc =
        std::string(R"(<w:document xmlns:w=")") + std::string(kWordUri) +
        R"("><w:body><w:p><w:r><w:t>a</w:t></w:r></w:p>)"
        // "w" rebound to another namespace inside one paragraph, its own tag included
        R"(<w:p xmlns:w="urn:other"><w:r><w:t>hidden</w:t></w:r></w:p>)"
        // back in scope after it; "q" bound on a run, for the run only
        R"(<w:p><w:r xmlns:q=")" +
        std::string(kWordUri) +
        R"("><q:t>b</q:t></w:r><w:r><q:t>unbound</q:t></w:r></w:p>)"
        // the default namespace set to Word's, then undeclared
        R"(<p xmlns=")" +
        std::string(kWordUri) +
        R"("><r><t>c</t></r><r xmlns=""><t>none</t></r></p>)"
        R"(</w:body></w:document>)";
    const Result r = extract(XmlFormat::Word, doc);
    EXPECT_EQ(r.text, "a\nb\nc\n"); // the rebound w:p is no paragraph: no line of its own
    EXPECT_EQ(r.outcome, XmlOutcome::Complete);
    // Strict OOXML's namespace is Word's too.
    EXPECT_EQ(extract(XmlFormat::Word, R"(<x:t xmlns:x="http://purl.oclc.org/ooxml/)"
                                       R"(wordprocessingml/main">s</x:t>)")
                  .text,
              "s");
}

// Declarations XML 1.0 forbids, as LibreOffice's libxml2 reads them: xmlns:p="" is dropped (the
// outer binding stays), "xmlns:" is an ordinary attribute. Either way the text under them is
// what a reader shows.
TEST(XmlTextExtractor, ForbiddenUndeclarationsKeepTheOuterBinding) {
    const std::string doc =
        word(R"(<w:p xmlns:w=""><w:r xmlns:=""><w:t>shown</w:t></w:r></w:p>)"
             R"(<p xmlns="http://schemas.openxmlformats.org/wordprocessingml/2006/main">)"
             R"(<r xmlns:=""><t>default</t></r></p>)");
    const Result r = extract(XmlFormat::Word, doc);
    EXPECT_EQ(r.text, "shown\ndefault\n");
    EXPECT_EQ(r.outcome, XmlOutcome::Complete);
}

TEST(XmlTextExtractor, OpenDocumentUnprefixedAttributesHaveNoNamespace) {
    constexpr std::string_view kTextUri = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
    // Under a default text namespace, an unprefixed c is no text:c (one space); a binding on
    // the element itself serves its own attribute (two spaces).
    const std::string content =
        R"(<o:document-content xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0">)"
        R"(<o:body><o:text><p xmlns=")" +
        std::string(kTextUri) + R"(">A<s c="3"/>B<x:s xmlns:x=")" + std::string(kTextUri) +
        R"(" x:c="2"/>C</p></o:text></o:body></o:document-content>)";
    EXPECT_EQ(extract(XmlFormat::OpenDocument, content).text, "A B  C\n");
}

TEST(XmlTextExtractor, OpenDocumentAttributesResolveTheirPrefix) {
    const std::string content =
        R"(<o:document-content xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0" )"
        R"(xmlns:t="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:text="urn:x">)"
        R"(<o:body><o:text><t:p>A<t:s t:c="3"/>B<t:s text:c="5"/>C</t:p></o:text></o:body>)"
        R"(</o:document-content>)";
    EXPECT_EQ(extract(XmlFormat::OpenDocument, content).text, "A   B C\n");
}

// Bindings that change a prefix's namespace count against max-xml-depth; the twenty prefixes a
// Word root declares for namespaces the text does not live in are not held at all.
TEST(XmlTextExtractor, NamespaceBindingsAtTheBoundPassOneMoreStops) {
    constexpr std::string_view kWordUri =
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    XmlLimits limits;
    limits.max_depth = 4;
    auto root = [&](int prefixes, std::string_view uri) {
        std::string doc = "<d";
        for (int i = 0; i < prefixes; ++i)
            doc += " xmlns:p" + std::to_string(i) + "=\"" + std::string(uri) + "\"";
        return doc + "><p0:t>x</p0:t></d>";
    };
    const Result at = extract(XmlFormat::Word, root(4, kWordUri), 0, limits);
    EXPECT_EQ(at.outcome, XmlOutcome::Complete);
    EXPECT_EQ(at.text, "x");
    const Result over = extract(XmlFormat::Word, root(5, kWordUri), 0, limits);
    EXPECT_EQ(over.outcome, XmlOutcome::Namespaces);
    EXPECT_EQ(over.text, "");
    EXPECT_EQ(extract(XmlFormat::Word, root(50, "urn:unrelated"), 0, limits).outcome,
              XmlOutcome::Complete);
    // Bindings leave scope with their element: four at a time, many times over, is fine.
    std::string many = "<d>";
    for (int i = 0; i < 20; ++i)
        many += root(4, kWordUri);
    EXPECT_EQ(extract(XmlFormat::Word, many + "</d>", 0, limits).text, std::string(20, 'x'));

    const std::string longest(XmlTextExtractor::kMaxPrefixBytes, 'p');
    auto prefixed = [&](const std::string& prefix) {
        return "<" + prefix + ":t xmlns:" + prefix + "=\"" + std::string(kWordUri) + "\">y</" +
               prefix + ":t>";
    };
    EXPECT_EQ(extract(XmlFormat::Word, prefixed(longest)).text, "y");
    EXPECT_EQ(extract(XmlFormat::Word, prefixed(longest + "p")).outcome, XmlOutcome::Namespaces);
}

TEST(XmlTextExtractor, NumericAndEntityReferencesAreDecoded) {
    const std::string doc =
        word("<w:p><w:r><w:t>&#32477;&#23494; &#x7EDD;&amp;&lt;x&gt;</w:t></w:r></w:p>");
    EXPECT_EQ(extract(XmlFormat::Word, doc).text, "绝密 绝&<x>\n");
}

TEST(XmlTextExtractor, SharedStringsPlainAndRichWithoutPhonetics) {
    const std::string sst =
        std::string("<sst ") + std::string(kX) +
        R"( count="2"><si><t>ID 110101</t></si><si><r><rPr><b/></rPr>)"
        R"(<t>TOP </t></r><r><t>SECRET</t></r><rPh><t>ruby</t></rPh></si></sst>)";
    EXPECT_EQ(extract(XmlFormat::Spreadsheet, sst).text, "ID 110101\nTOP SECRET\n");
}

TEST(XmlTextExtractor, WorksheetInlineStringsAndValuesNotSharedIndexes) {
    const std::string sheet =
        std::string("<worksheet ") + std::string(kX) +
        R"(><sheetData><row r="1"><c r="A1" t="s"><v>7</v></c><c r="B1" t="inlineStr">)"
        R"(<is><t>secret</t></is></c><c r="C1"><v>42</v></c><c r="D1" s="1"/></row>)"
        R"(<row r="2"><c r="A2" t="str"><f>A1</f><v>calc</v></c></row></sheetData></worksheet>)";
    EXPECT_EQ(extract(XmlFormat::Spreadsheet, sheet).text, "secret\t42\t\ncalc\t\n");
}

TEST(XmlTextExtractor, PresentationParagraphsAndBreaks) {
    const std::string slide =
        std::string(
            R"(<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" )") +
        std::string(kA) +
        R"(><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>TOP </a:t></a:r><a:r><a:t>SECRET</a:t>)"
        R"(</a:r><a:br/><a:r><a:t>x</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>)";
    EXPECT_EQ(extract(XmlFormat::Presentation, slide).text, "TOP SECRET\nx\n");
}

TEST(XmlTextExtractor, OpenDocumentSpansSpacesTabsAndBreaks) {
    const std::string content =
        std::string("<office:document-content ") + std::string(kOdf) +
        R"(><office:automatic-styles><style x="1">skip</style></office:automatic-styles>)"
        R"(<office:body><office:text><text:h>Title</text:h><text:p>TOP <text:span )"
        R"(text:style-name="T1">SEC</text:span>RET<text:s text:c="3"/>a<text:s/>b<text:tab/>c)"
        R"(<text:line-break/>d<text:s text:c="99999999999"/>e</text:p></office:text></office:body>)"
        R"(</office:document-content>)";
    const Result r = extract(XmlFormat::OpenDocument, content);
    EXPECT_EQ(r.text, "Title\nTOP SECRET   a b\tc\nd" +
                          std::string(XmlTextExtractor::kMaxSpaces, ' ') + "e\n");
    EXPECT_EQ(r.outcome, XmlOutcome::Complete);
}

TEST(XmlTextExtractor, OpenDocumentStylesHeaderText) {
    const std::string styles =
        std::string("<office:document-styles ") + std::string(kOdf) +
        R"( xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"><office:master-styles>)"
        R"(<style:master-page><style:header><text:p>CONFIDENTIAL</text:p></style:header>)"
        R"(</style:master-page></office:master-styles></office:document-styles>)";
    EXPECT_EQ(extract(XmlFormat::OpenDocument, styles).text, "CONFIDENTIAL\n");
}

TEST(XmlTextExtractor, MetadataReadsEveryElementAndAttributeButDeclarations) {
    const std::string xmp =
        R"(<r:RDF xmlns:r="urn:rdf" xmlns="urn:default"><r:Description a="one" xmlns:d="urn:d" )"
        R"(d:b="two" c=""><d:title>  <li>three</li>  </d:title><x>four<y>five</y></x>)"
        R"(</r:Description></r:RDF>)";
    const Result r = extract(XmlFormat::Metadata, xmp);
    EXPECT_EQ(r.text, "one\ntwo\nthree\nfour\nfive\n");
    EXPECT_EQ(r.outcome, XmlOutcome::Complete);
    for (size_t piece : {size_t(1), size_t(3)})
        EXPECT_EQ(extract(XmlFormat::Metadata, xmp, piece).text, r.text) << piece;
}

// Content comes from expat in pieces (each newline and reference apart, and cut where the
// input is): only the whitespace before a line's first text is layout.
TEST(XmlTextExtractor, MetadataKeepsWhitespaceInsideValuesForAnySplit) {
    const std::string xmp = "<d xmlns:r=\"urn:rdf\" r:about=\"x\" xml:lang=\"en\" k=\"a b\">\n"
                            "  <v>TOP&#x20;SECRET</v>\n  <v>two\nlines &amp; more</v>\n</d>";
    const std::string expect = "a b\nTOP SECRET\ntwo\nlines & more\n";
    for (size_t piece : {size_t(0), size_t(1), size_t(2), size_t(5)})
        EXPECT_EQ(extract(XmlFormat::Metadata, xmp, piece).text, expect) << piece;
}

TEST(XmlTextExtractor, MalformedStopsKeepingTheTextSoFar) {
    const std::string doc = word("<w:p><w:r><w:t>kept</w:t></w:r></w:p><w:p></w:x>");
    const Result r = extract(XmlFormat::Word, doc);
    EXPECT_EQ(r.text, "kept\n");
    EXPECT_EQ(r.outcome, XmlOutcome::Malformed);
    EXPECT_EQ(extract(XmlFormat::Word, "").outcome, XmlOutcome::Malformed);
    // Truncated: the end of the input comes inside the document.
    EXPECT_EQ(extract(XmlFormat::Word, word("").substr(0, 60)).outcome, XmlOutcome::Malformed);
}

TEST(XmlTextExtractor, DepthAtTheLimitPassesOneMoreStops) {
    XmlLimits limits;
    limits.max_depth = 10;
    EXPECT_EQ(extract(XmlFormat::Word, nested(10), 0, limits).outcome, XmlOutcome::Complete);
    EXPECT_EQ(extract(XmlFormat::Word, nested(11), 0, limits).outcome, XmlOutcome::Depth);
    EXPECT_EQ(extract(XmlFormat::Word, nested(256)).outcome, XmlOutcome::Complete); // default
    EXPECT_EQ(extract(XmlFormat::Word, nested(257)).outcome, XmlOutcome::Depth);
}

TEST(XmlTextExtractor, BillionLaughsIsRefusedAtTheFirstEntityDeclaration) {
    std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
    for (int i = 1; i < 10; ++i)
        doc += "<!ENTITY lol" + std::to_string(i) + " \"" + [&] {
            std::string r;
            for (int k = 0; k < 10; ++k)
                r += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
            return r;
        }() + "\">\n";
    doc += "]>\n<lolz>&lol9;</lolz>";
    const Result r = extract(XmlFormat::OpenDocument, doc);
    EXPECT_EQ(r.outcome, XmlOutcome::Entities);
    EXPECT_EQ(r.text, "");
    // One harmless internal entity is refused just the same: office parts never declare any.
    EXPECT_EQ(extract(XmlFormat::Word, "<!DOCTYPE d [<!ENTITY a \"b\">]><d>&a;</d>").outcome,
              XmlOutcome::Entities);
    // A DTD without entities is no reason to stop.
    EXPECT_EQ(extract(XmlFormat::Word, "<!DOCTYPE d [<!ELEMENT d ANY>]><d/>").outcome,
              XmlOutcome::Complete);
}

TEST(XmlTextExtractor, TokenOverTheBoundStopsWholeOrInPieces) {
    XmlLimits limits;
    limits.max_token_bytes = 64;
    const std::string at_limit = "<d a=\"" + std::string(64 - 9, 'x') + "\"/>";
    ASSERT_EQ(at_limit.size(), 64u);
    const std::string over = "<d a=\"" + std::string(64 - 8, 'x') + "\"/>";
    for (size_t piece : {size_t(0), size_t(1), size_t(7)}) {
        EXPECT_EQ(extract(XmlFormat::Word, at_limit, piece, limits).outcome, XmlOutcome::Complete)
            << piece;
        EXPECT_EQ(extract(XmlFormat::Word, over, piece, limits).outcome, XmlOutcome::TokenTooLarge)
            << piece;
    }
    // Character data is never held: a long text is no token.
    limits.max_token_bytes = 128; // the root's start tag with its namespace fits
    const std::string text =
        word("<w:p><w:r><w:t>" + std::string(1000, 'y') + "</w:t></w:r></w:p>");
    EXPECT_EQ(extract(XmlFormat::Word, text, 5, limits).outcome, XmlOutcome::Complete);
}

TEST(XmlTextExtractor, GapEndsThePartWithTheTextSoFar) {
    Collect out;
    XmlTextExtractor x(XmlFormat::Word, XmlLimits(), out);
    std::string doc = word("<w:p><w:r><w:t>before</w:t></w:r></w:p><w:p><w:r><w:t>after");
    doc.resize(doc.find("after") + 5); // the hole comes right after it
    x.feed(reinterpret_cast<const uint8_t*>(doc.data()), doc.size());
    x.gap();
    const std::string more = "</w:t></w:r></w:p>";
    x.feed(reinterpret_cast<const uint8_t*>(more.data()), more.size());
    x.finish();
    EXPECT_EQ(out.out, "before\nafter");
    EXPECT_EQ(x.outcome(), XmlOutcome::Gap);
}

TEST(XmlTextExtractor, AbortWritesNothingMore) {
    Collect out;
    XmlTextExtractor x(XmlFormat::Word, XmlLimits(), out);
    const std::string doc = word("<w:p><w:r><w:t>held</w:t></w:r></w:p>");
    x.feed(reinterpret_cast<const uint8_t*>(doc.data()), doc.size() - 5);
    const size_t written = out.out.size();
    x.abort();
    x.finish();
    EXPECT_EQ(out.out.size(), written);
    EXPECT_EQ(x.outcome(), XmlOutcome::Aborted);
}

TEST(XmlTextExtractor, LongTextIsWrittenInBoundedPieces) {
    const std::string body(3 * XmlTextExtractor::kBufferBytes + 17, 'z');
    const Result r =
        extract(XmlFormat::Word, word("<w:p><w:r><w:t>" + body + "</w:t></w:r></w:p>"));
    EXPECT_EQ(r.text, body + "\n"); // Collect checks each piece's size
}

// The same text for the input whole, split at every offset into two, and byte by byte.
TEST(XmlTextExtractor, SplitEverywhereGivesTheSameText) {
    const std::string cases[] = {
        word(R"(<w:p><w:r><w:t>TOP </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>SECRET</w:t></w:r>)"
             R"(<w:r><w:tab/><w:t>&#32477;&#23494;中文</w:t></w:r></w:p><!-- c --><?pi x?>)"
             R"(<w:p><w:r><w:t><![CDATA[a<b]]></w:t></w:r></w:p>)"),
        std::string("<office:document-content ") + std::string(kOdf) +
            R"(><office:body><office:text><text:p>A<text:s text:c="2"/>B<text:span>C</text:span>)"
            R"(</text:p></office:text></office:body></office:document-content>)",
        std::string("<sst ") + std::string(kX) + R"(><si><t>x&amp;y</t></si></sst>)",
    };
    const XmlFormat formats[] = {XmlFormat::Word, XmlFormat::OpenDocument, XmlFormat::Spreadsheet};
    for (size_t c = 0; c < std::size(cases); ++c) {
        const std::string& xml = cases[c];
        const Result whole = extract(formats[c], xml);
        ASSERT_EQ(whole.outcome, XmlOutcome::Complete) << c;
        ASSERT_FALSE(whole.text.empty());
        EXPECT_EQ(extract(formats[c], xml, 1).text, whole.text) << c;
        for (size_t at = 1; at < xml.size(); ++at) {
            Collect out;
            XmlTextExtractor x(formats[c], XmlLimits(), out);
            x.feed(reinterpret_cast<const uint8_t*>(xml.data()), at);
            x.feed(reinterpret_cast<const uint8_t*>(xml.data()) + at, xml.size() - at);
            x.finish();
            ASSERT_EQ(out.out, whole.text) << "case " << c << " split at " << at;
            ASSERT_EQ(x.outcome(), XmlOutcome::Complete);
        }
    }
}

} // namespace
} // namespace egressmon::dpi
