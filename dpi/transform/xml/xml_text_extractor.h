#pragma once
// The text of one XML part of an office document (a docx's word/document.xml, an xlsx's
// sharedStrings, a pptx slide, an ODF content.xml), pushed through expat as it streams past:
// markup removed, Word's formatting runs joined with nothing between them (so
// "<w:t>TOP </w:t></w:r><w:r><w:t>SECRET</w:t>" is "TOP SECRET"), character and entity
// references decoded, paragraphs, cells and breaks written as "\n" / "\t" so that keywords do not
// run together. Elements are matched by namespace URI and local name, never by prefix: expat
// reads the part without namespace processing (which costs it half its speed on Word's
// attribute-heavy markup) and the extractor resolves prefixes itself, holding only the bindings
// that change what a prefix means for the format (NamespaceBinding).
//
//   feed(bytes)*  (gap | finish | abort)
//
// Any split of the input into feed calls gives the same text. The part stops (what was emitted
// stays emitted) on malformed XML, nesting deeper than XmlLimits::max_depth, any DTD entity
// declaration (the billion-laughs family is refused outright; expat's amplification bound is a
// backstop), a single token (a start tag, a comment) longer than max_token_bytes, or a hole: XML
// cannot resynchronise. outcome() says which, so the file can be called uninspectable.
//
// Memory: expat's parser (a few KiB, plus its buffer of the unfinished token, bounded by
// max_token_bytes), kBufferBytes of text held before it is written out, a byte per open element
// and at most max_depth namespace bindings in scope (a part that needs more, or binds a format
// namespace to a prefix over kMaxPrefixBytes, stops as Namespaces).
//
// Thread: the worker that owns the flow. noexcept; expat's allocation failures are an outcome.

#include <array>
#include <cstddef>
#include <cstdint>
#include <expat.h>
#include <string_view>
#include <vector>

#include "core/c_handle.h"

namespace egressmon::dpi {

// The vocabulary of the part: which elements carry text.
enum class XmlFormat : uint8_t {
    Word,         // WordprocessingML: w:t, w:tab, w:br, w:cr, w:p
    Spreadsheet,  // SpreadsheetML: shared strings, inline strings, cell values, comments
    Presentation, // DrawingML text in slides and notes: a:t, a:br, a:p
    OpenDocument, // ODF content.xml / styles.xml: text:* and office:text/spreadsheet/presentation
    Metadata,     // any vocabulary (a PDF's XMP packet): every element's character data and
                  // every attribute value but namespace declarations, a line each
};

// The config's `extraction:` keys for XML, and what the tests shrink.
struct XmlLimits {
    uint32_t max_depth = 256; // max-xml-depth: elements (and namespace bindings) open at once
    uint32_t max_amplification = 100;            // max-xml-amplification: expat's factor (>= 1)
    uint32_t max_token_bytes = 1u << 20;         // one start tag, comment or PI (expat buffers it)
    uint64_t amplification_threshold = 1u << 16; // output bytes before the factor is checked
};

enum class XmlOutcome : uint8_t {
    Reading,       // no end yet
    Complete,      // well-formed to its end
    Malformed,     // not XML (or truncated): stopped there
    Depth,         // nesting over max_depth
    Entities,      // a DTD entity declaration (refused: billion laughs)
    Amplification, // over expat's amplification bound (a backstop: entities are refused first)
    TokenTooLarge, // a token over max_token_bytes
    Namespaces,    // more namespace bindings in scope than max_depth, or a prefix too long
    Gap,           // a hole in the input
    NoMemory,      // expat could not allocate
    Aborted,       // given up by the caller
};

// Where the text goes, in pieces (any split: only their concatenation means anything).
class XmlTextOutput {
  public:
    virtual ~XmlTextOutput() = default;
    virtual void text(std::string_view utf8) noexcept = 0;
};

class XmlTextExtractor {
  public:
    static constexpr size_t kBufferBytes = 4096;  // text held before it is written out
    static constexpr uint32_t kMaxSpaces = 64;    // text:s c="N" writes at most this many
    static constexpr size_t kMaxPrefixBytes = 64; // a longer prefix for a format namespace stops

    // `out` must outlive the extractor's last call.
    XmlTextExtractor(XmlFormat format, const XmlLimits& limits, XmlTextOutput& out) noexcept;
    ~XmlTextExtractor();
    XmlTextExtractor(const XmlTextExtractor&) = delete;
    XmlTextExtractor& operator=(const XmlTextExtractor&) = delete;

    void feed(const uint8_t* data, size_t len) noexcept;
    // Bytes were lost: the part ends here, with the text so far written out.
    void gap() noexcept;
    // The input is complete: the rest of the text is written out.
    void finish() noexcept;
    // The input is given up: nothing more is written.
    void abort() noexcept;

    XmlOutcome outcome() const noexcept { return outcome_; }
    bool done() const noexcept { return outcome_ != XmlOutcome::Reading; }

  private:
    // What a start or end tag is, for the format being read (xml_text_extractor.cpp).
    enum class Tag : uint8_t;
    // Which of the format's namespaces a URI is (Other: none of them).
    enum class Ns : uint8_t;
    friend struct XmlHandlers; // expat's C callbacks

    // A prefix ("" for the default namespace) bound by an xmlns attribute of the element open at
    // `depth`, kept only where it changes the prefix's namespace for the format: a document
    // that binds twenty prefixes at its root keeps the one or two its text lives in.
    struct NamespaceBinding {
        uint32_t depth;
        Ns ns;
        uint8_t prefix_len;
        std::array<char, kMaxPrefixBytes> prefix;
    };

    void startElement(const char* name, const char** attrs) noexcept;
    void endElement() noexcept;
    void characters(const char* s, int len) noexcept;
    void metadataAttributes(const char** attrs) noexcept;
    void checkTokenSize() noexcept;
    bool bindNamespaces(const char** attrs) noexcept;
    Ns resolve(std::string_view prefix) const noexcept;
    Ns uriNamespace(std::string_view uri) const noexcept;
    Tag classify(std::string_view name) const noexcept;
    uint32_t spaceCount(const char** attrs) const noexcept;

    void parse(const char* data, size_t len, bool final) noexcept;
    void stop(XmlOutcome why) noexcept;
    void end(XmlOutcome why) noexcept;
    void emit(std::string_view text) noexcept;
    void flush() noexcept;

    using Parser = core::CHandle<XML_ParserStruct, XML_ParserFree>;

    const XmlFormat format_;
    const XmlLimits limits_;
    XmlTextOutput& out_;
    Parser parser_;
    XmlOutcome outcome_ = XmlOutcome::Reading;
    uint64_t fed_ = 0;         // bytes given to expat
    uint32_t collect_ = 0;     // open elements whose character data is text (w:t, a:t, t, v)
    uint32_t runs_ = 0;        // open w:r: w:tab/w:br/w:cr count only inside a run (not in w:tabs)
    uint32_t phonetic_ = 0;    // open rPh: phonetic guides repeat the text they annotate
    uint32_t odf_open_ = 0;    // open ODF elements inside which all character data is text
    bool shared_cell_ = false; // the open <c> is t="s": its <v> is an index, not text
    bool cell_text_ = false;   // the open <c> wrote text: a separator follows it
    bool line_open_ = false;   // Metadata: text written since the last line break
    std::vector<Tag> open_;    // the tag of each open element, outermost first
    std::vector<NamespaceBinding> bindings_; // in scope, innermost last
    size_t held_ = 0;
    std::array<char, kBufferBytes> buffer_;
};

} // namespace egressmon::dpi
