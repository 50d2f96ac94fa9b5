#include "dpi/transform/xml/xml_text_extractor.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <new>
#include <optional>

namespace egressmon::dpi {

namespace {

// Transitional (ECMA-376 part 1) and Strict (part 1, "purl.oclc.org") namespaces.
constexpr std::string_view kWordNs[] = {
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main"};
constexpr std::string_view kSheetNs[] = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main"};
constexpr std::string_view kDrawingNs[] = {"http://schemas.openxmlformats.org/drawingml/2006/main",
                                           "http://purl.oclc.org/ooxml/drawingml/main"};
constexpr std::string_view kOfficeNs = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
constexpr std::string_view kTextNs = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";

bool inNs(std::string_view uri, const std::string_view (&set)[2]) noexcept {
    return uri == set[0] || uri == set[1];
}

// A qualified name split at its first colon; no colon: the default namespace's prefix "".
struct QName {
    std::string_view prefix;
    std::string_view local;
};

QName splitName(std::string_view name) noexcept {
    const size_t at = name.find(':');
    if (at == std::string_view::npos) return {{}, name};
    return {name.substr(0, at), name.substr(at + 1)};
}

// "xmlns" (the default namespace, prefix "") or "xmlns:p" (prefix p): the prefix it declares.
// "xmlns:" declares nothing (libxml2, which LibreOffice reads with, takes it for an ordinary
// attribute).
std::optional<std::string_view> declaredPrefix(const char* attr) noexcept {
    if (std::strncmp(attr, "xmlns", 5) != 0) return std::nullopt;
    if (attr[5] == '\0') return std::string_view();
    if (attr[5] != ':' || attr[6] == '\0') return std::nullopt;
    return std::string_view(attr + 6);
}

// Counts go down when their element ends; hostile nesting (a <c> inside a <v>) must not wrap
// them around.
void decrement(uint32_t& count) noexcept {
    if (count > 0) --count;
}

// t="s": the cell's <v> is an index into the shared strings (an unprefixed attribute: no
// namespace, whatever the default namespace is).
bool sharedStringCell(const char** attrs) noexcept {
    for (size_t i = 0; attrs[i]; i += 2)
        if (std::string_view(attrs[i]) == "t") return std::string_view(attrs[i + 1]) == "s";
    return false;
}

} // namespace

enum class XmlTextExtractor::Ns : uint8_t {
    Other,   // none of the format's namespaces (or no namespace)
    Word,    // WordprocessingML main
    Sheet,   // SpreadsheetML main
    Drawing, // DrawingML main
    Office,  // ODF office:
    Text,    // ODF text:
};

enum class XmlTextExtractor::Tag : uint8_t {
    Other,
    Text,      // w:t, a:t, SpreadsheetML t: its character data is text
    Run,       // w:r
    Tab,       // w:tab in a run; text:tab
    Break,     // w:br, w:cr in a run; a:br; text:line-break
    Paragraph, // w:p, a:p, text:p, text:h: a line ends with it
    Cell,      // SpreadsheetML c
    Value,     // SpreadsheetML v
    Phonetic,  // SpreadsheetML rPh
    Item,      // SpreadsheetML si, comment: a shared string or comment ends with it
    Row,       // SpreadsheetML row
    Spaces,    // text:s
    OdfText,   // any other text:* element, office:text/spreadsheet/presentation
};

// Expat's C callbacks, forwarding to the extractor (the parser's user data).
struct XmlHandlers {
    static void start(void* self, const XML_Char* name, const XML_Char** attrs) {
        static_cast<XmlTextExtractor*>(self)->startElement(name, attrs);
    }
    static void end(void* self, const XML_Char*) {
        static_cast<XmlTextExtractor*>(self)->endElement();
    }
    static void characters(void* self, const XML_Char* s, int len) {
        static_cast<XmlTextExtractor*>(self)->characters(s, len);
    }
    static void tokenOnly(void* self, const XML_Char*) {
        static_cast<XmlTextExtractor*>(self)->checkTokenSize();
    }
    static void instruction(void* self, const XML_Char*, const XML_Char*) {
        static_cast<XmlTextExtractor*>(self)->checkTokenSize();
    }
    // Any entity declaration, internal or external, general or parameter: office parts have
    // no DTD, and declared entities are how billion-laughs documents grow.
    static void entity(void* self, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                       const XML_Char*, const XML_Char*, const XML_Char*) {
        static_cast<XmlTextExtractor*>(self)->stop(XmlOutcome::Entities);
    }
};

XmlTextExtractor::XmlTextExtractor(XmlFormat format, const XmlLimits& limits,
                                   XmlTextOutput& out) noexcept
    : format_(format), limits_(limits), out_(out), parser_(XML_ParserCreate(nullptr)) {
    XML_Parser p = parser_.get();
    if (!p) {
        outcome_ = XmlOutcome::NoMemory;
        return;
    }
    XML_SetUserData(p, this);
    XML_SetElementHandler(p, XmlHandlers::start, XmlHandlers::end);
    XML_SetCharacterDataHandler(p, XmlHandlers::characters);
    XML_SetCommentHandler(p, XmlHandlers::tokenOnly);
    XML_SetProcessingInstructionHandler(p, XmlHandlers::instruction);
    XML_SetEntityDeclHandler(p, XmlHandlers::entity);
    // Never read external entities or the external DTD subset (expat's default, made explicit).
    XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
    XML_SetBillionLaughsAttackProtectionMaximumAmplification(
        p, float(std::max<uint32_t>(limits_.max_amplification, 1)));
    XML_SetBillionLaughsAttackProtectionActivationThreshold(p, limits_.amplification_threshold);
}

XmlTextExtractor::~XmlTextExtractor() = default;

void XmlTextExtractor::feed(const uint8_t* data, size_t len) noexcept {
    // XML_Parse takes an int length: larger inputs go in pieces (the split does not matter).
    while (!done() && len > 0) {
        const size_t take = std::min<size_t>(len, INT_MAX / 2);
        parse(reinterpret_cast<const char*>(data), take, false);
        data += take;
        len -= take;
    }
    flush();
}

void XmlTextExtractor::gap() noexcept {
    if (!done()) end(XmlOutcome::Gap);
}

void XmlTextExtractor::finish() noexcept {
    if (!done()) parse(nullptr, 0, true);
    if (!done()) end(XmlOutcome::Complete);
    flush();
}

void XmlTextExtractor::abort() noexcept {
    held_ = 0;
    if (!done()) end(XmlOutcome::Aborted);
}

void XmlTextExtractor::parse(const char* data, size_t len, bool final) noexcept {
    XML_Parser p = parser_.get();
    if (XML_Parse(p, data, int(len), final ? XML_TRUE : XML_FALSE) != XML_STATUS_OK) {
        if (done()) { // a handler stopped it and said why
            parser_.reset();
            return;
        }
        switch (XML_GetErrorCode(p)) {
        case XML_ERROR_NO_MEMORY: end(XmlOutcome::NoMemory); break;
        case XML_ERROR_AMPLIFICATION_LIMIT_BREACH: end(XmlOutcome::Amplification); break;
        default: end(XmlOutcome::Malformed); break;
        }
        return;
    }
    fed_ += len;
    // What expat holds is the unfinished token from its start on (character data is reported
    // up to the end of each input, so only tags, comments and declarations are held).
    const XML_Index at = XML_GetCurrentByteIndex(p);
    if (!final && at >= 0 && fed_ - uint64_t(at) > limits_.max_token_bytes)
        end(XmlOutcome::TokenTooLarge);
}

// From a handler: expat returns from XML_Parse with XML_ERROR_ABORTED, and parse() sees done().
void XmlTextExtractor::stop(XmlOutcome why) noexcept {
    if (done()) return;
    outcome_ = why;
    XML_StopParser(parser_.get(), XML_FALSE);
}

// Outside expat: the parser (and its buffer) is released at once; the held text stays to flush.
void XmlTextExtractor::end(XmlOutcome why) noexcept {
    outcome_ = why;
    parser_.reset();
}

// The whole token (tag with its attributes, comment, PI) is in one event: a token over the
// bound stops the part whether it came whole or in pieces (parse() catches the pieces).
void XmlTextExtractor::checkTokenSize() noexcept {
    if (uint64_t(XML_GetCurrentByteCount(parser_.get())) > limits_.max_token_bytes)
        stop(XmlOutcome::TokenTooLarge);
}

XmlTextExtractor::Ns XmlTextExtractor::uriNamespace(std::string_view uri) const noexcept {
    switch (format_) {
    case XmlFormat::Word: return inNs(uri, kWordNs) ? Ns::Word : Ns::Other;
    case XmlFormat::Spreadsheet: return inNs(uri, kSheetNs) ? Ns::Sheet : Ns::Other;
    case XmlFormat::Presentation: return inNs(uri, kDrawingNs) ? Ns::Drawing : Ns::Other;
    case XmlFormat::OpenDocument:
        if (uri == kOfficeNs) return Ns::Office;
        return uri == kTextNs ? Ns::Text : Ns::Other;
    case XmlFormat::Metadata: return Ns::Other; // every element is read alike
    }
    return Ns::Other;
}

// The innermost binding of the prefix in scope; unbound prefixes (and "xml") are none of the
// format's namespaces.
XmlTextExtractor::Ns XmlTextExtractor::resolve(std::string_view prefix) const noexcept {
    for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it)
        if (std::string_view(it->prefix.data(), it->prefix_len) == prefix) return it->ns;
    return Ns::Other;
}

// The element's xmlns attributes, in scope for its own name and attributes and for everything
// inside it. A binding that leaves the prefix's namespace as it was is not held (rebinding "w"
// to the same URI, or binding a prefix nobody used to a namespace the format ignores). False:
// a binding could not be held.
bool XmlTextExtractor::bindNamespaces(const char** attrs) noexcept {
    const auto depth = static_cast<uint32_t>(open_.size() + 1);
    for (size_t i = 0; attrs[i]; i += 2) {
        const std::optional<std::string_view> prefix = declaredPrefix(attrs[i]);
        if (!prefix) continue;
        // xmlns:p="" is an error in XML 1.0 (only the default namespace can be undeclared):
        // expat's namespace mode refused the part, libxml2 drops the declaration and keeps the
        // outer binding, so what LibreOffice shows under it is read here too.
        if (!prefix->empty() && *attrs[i + 1] == '\0') continue;
        const Ns ns = uriNamespace(attrs[i + 1]);
        if (ns == resolve(*prefix)) continue;
        if (prefix->size() > kMaxPrefixBytes || bindings_.size() >= limits_.max_depth) return false;
        NamespaceBinding b{depth, ns, static_cast<uint8_t>(prefix->size()), {}};
        std::copy(prefix->begin(), prefix->end(), b.prefix.begin());
        try {
            bindings_.push_back(b);
        } catch (const std::bad_alloc&) {
            stop(XmlOutcome::NoMemory);
            return true; // stopped: the caller sees done()
        }
    }
    return true;
}

XmlTextExtractor::Tag XmlTextExtractor::classify(std::string_view name) const noexcept {
    const auto [prefix, local] = splitName(name);
    const Ns ns = resolve(prefix);
    switch (format_) {
    case XmlFormat::Word:
        if (ns != Ns::Word) return Tag::Other;
        if (local == "t") return Tag::Text;
        if (local == "r") return Tag::Run;
        if (local == "p") return Tag::Paragraph;
        if (local == "tab") return runs_ > 0 ? Tag::Tab : Tag::Other; // not a w:tabs stop
        if (local == "br" || local == "cr") return runs_ > 0 ? Tag::Break : Tag::Other;
        return Tag::Other;
    case XmlFormat::Spreadsheet:
        if (ns != Ns::Sheet) return Tag::Other;
        if (local == "t") return Tag::Text;
        if (local == "v") return Tag::Value;
        if (local == "c") return Tag::Cell;
        if (local == "row") return Tag::Row;
        if (local == "si" || local == "comment") return Tag::Item;
        if (local == "rPh") return Tag::Phonetic;
        return Tag::Other;
    case XmlFormat::Presentation:
        if (ns != Ns::Drawing) return Tag::Other;
        if (local == "t") return Tag::Text;
        if (local == "p") return Tag::Paragraph;
        if (local == "br") return Tag::Break;
        return Tag::Other;
    case XmlFormat::OpenDocument:
        if (ns == Ns::Office)
            return local == "text" || local == "spreadsheet" || local == "presentation"
                       ? Tag::OdfText
                       : Tag::Other;
        if (ns != Ns::Text) return Tag::Other;
        if (local == "p" || local == "h") return Tag::Paragraph;
        if (local == "s") return Tag::Spaces;
        if (local == "tab") return Tag::Tab;
        if (local == "line-break") return Tag::Break;
        return Tag::OdfText;
    case XmlFormat::Metadata: return Tag::Other;
    }
    return Tag::Other;
}

// text:s c="N": N spaces (ODF 1.2 part 1, 6.1.3), at least 1, at most kMaxSpaces.
uint32_t XmlTextExtractor::spaceCount(const char** attrs) const noexcept {
    for (size_t i = 0; attrs[i]; i += 2) {
        const QName n = splitName(attrs[i]);
        if (n.prefix.empty() || n.local != "c" || resolve(n.prefix) != Ns::Text) continue;
        uint32_t count = 0;
        for (const char* p = attrs[i + 1]; *p >= '0' && *p <= '9'; ++p) {
            count = count * 10 + uint32_t(*p - '0');
            if (count >= kMaxSpaces) return kMaxSpaces;
        }
        return std::max<uint32_t>(count, 1);
    }
    return 1;
}

// Callbacks may follow a stop (expat delivers the end of an empty element): they are ignored.
void XmlTextExtractor::startElement(const char* name, const char** attrs) noexcept {
    if (done()) return;
    if (open_.size() >= limits_.max_depth) return stop(XmlOutcome::Depth);
    checkTokenSize();
    if (done()) return;
    if (!bindNamespaces(attrs)) return stop(XmlOutcome::Namespaces);
    if (done()) return;
    const Tag tag = classify(name);
    try {
        open_.push_back(tag);
    } catch (const std::bad_alloc&) {
        return stop(XmlOutcome::NoMemory);
    }
    if (format_ == XmlFormat::Metadata) {
        if (line_open_) emit("\n"); // text before a child element (mixed content) ends a line
        line_open_ = false;
        return metadataAttributes(attrs);
    }
    // Every ODF text:* element (and the office body elements) holds text; the same test at its
    // end undoes the count.
    if (format_ == XmlFormat::OpenDocument && tag != Tag::Other) ++odf_open_;
    switch (tag) {
    case Tag::Text:
        if (phonetic_ == 0) ++collect_;
        break;
    case Tag::Value:
        if (!shared_cell_) ++collect_;
        break;
    case Tag::Run: ++runs_; break;
    case Tag::Phonetic: ++phonetic_; break;
    case Tag::Cell:
        shared_cell_ = sharedStringCell(attrs);
        cell_text_ = false;
        break;
    case Tag::Tab: emit("\t"); break;
    case Tag::Break: emit("\n"); break;
    case Tag::Spaces: {
        static constexpr char kSpaces[kMaxSpaces + 1] =
            "                                                                ";
        emit(std::string_view(kSpaces, spaceCount(attrs)));
        break;
    }
    default: break;
    }
}

// The element that ends is the innermost open one (expat checks the names match): its tag was
// kept when it started, and its bindings go out of scope with it.
void XmlTextExtractor::endElement() noexcept {
    if (done() || open_.empty()) return;
    if (format_ == XmlFormat::Metadata && line_open_) {
        emit("\n");
        line_open_ = false;
    }
    const Tag tag = open_.back();
    while (!bindings_.empty() && bindings_.back().depth == open_.size())
        bindings_.pop_back();
    open_.pop_back();
    if (format_ == XmlFormat::OpenDocument && tag != Tag::Other) decrement(odf_open_);
    switch (tag) {
    case Tag::Text:
        if (phonetic_ == 0) decrement(collect_);
        break;
    case Tag::Value:
        if (!shared_cell_) decrement(collect_);
        break;
    case Tag::Run: decrement(runs_); break;
    case Tag::Phonetic: decrement(phonetic_); break;
    case Tag::Cell:
        if (cell_text_) emit("\t");
        shared_cell_ = cell_text_ = false;
        break;
    case Tag::Paragraph:
    case Tag::Item:
    case Tag::Row: emit("\n"); break;
    default: break;
    }
}

void XmlTextExtractor::characters(const char* s, int len) noexcept {
    if (done()) return;
    if (format_ == XmlFormat::Metadata) {
        // expat hands content in pieces (each newline, each reference, each input piece): the
        // whitespace that lays out the packet is dropped only before a line's first text.
        std::string_view text(s, size_t(len));
        if (!line_open_) {
            const size_t first = text.find_first_not_of(" \t\r\n");
            if (first == std::string_view::npos) return;
            text.remove_prefix(first);
        }
        emit(text);
        line_open_ = true;
        return;
    }
    if (collect_ == 0 && odf_open_ == 0) return;
    cell_text_ = true;
    emit(std::string_view(s, size_t(len)));
}

// Metadata (XMP: `<rdf:Description dc:format="..." pdf:Keywords="...">`): attribute values are
// text as much as element content is; namespace declarations are not.
void XmlTextExtractor::metadataAttributes(const char** attrs) noexcept {
    for (size_t i = 0; attrs[i]; i += 2) {
        if (std::strncmp(attrs[i], "xmlns", 5) == 0 && (attrs[i][5] == '\0' || attrs[i][5] == ':'))
            continue;
        // RDF's and XML's own attributes (rdf:about="", xml:lang="x-default"...) say how the
        // packet is built, not what the document is.
        const std::string_view name(attrs[i]);
        const std::string_view local = splitName(name).local;
        if (name.starts_with("xml:") || local == "about" || local == "parseType" ||
            local == "resource" || local == "ID" || local == "nodeID" || local == "datatype")
            continue;
        const std::string_view value(attrs[i + 1]);
        if (value.empty()) continue;
        emit(value);
        emit("\n");
    }
}

void XmlTextExtractor::emit(std::string_view text) noexcept {
    while (!text.empty()) {
        if (held_ == buffer_.size()) flush();
        const size_t take = std::min(text.size(), buffer_.size() - held_);
        std::copy_n(text.data(), take, buffer_.data() + held_);
        held_ += take;
        text.remove_prefix(take);
    }
}

void XmlTextExtractor::flush() noexcept {
    if (held_ == 0) return;
    out_.text(std::string_view(buffer_.data(), held_));
    held_ = 0;
}

} // namespace egressmon::dpi
