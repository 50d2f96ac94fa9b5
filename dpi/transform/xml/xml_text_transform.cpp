#include "dpi/transform/xml/xml_text_transform.h"

#include <algorithm>
#include <cctype>

#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/transform/layer_node.h"

namespace egressmon::dpi {

namespace {

// OPC part names compare case-insensitively (ECMA-376 part 2, 9.1.1.1).
bool equalsNoCase(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// "prefix*suffix": the name starts with prefix and ends with suffix, with anything between
// (numbered parts: header1.xml, sheet12.xml) that holds no further folder.
bool matchesNumbered(std::string_view name, std::string_view prefix,
                     std::string_view suffix) noexcept {
    if (name.size() < prefix.size() + suffix.size()) return false;
    if (!equalsNoCase(name.substr(0, prefix.size()), prefix)) return false;
    if (!equalsNoCase(name.substr(name.size() - suffix.size()), suffix)) return false;
    const std::string_view middle =
        name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    return middle.find('/') == std::string_view::npos;
}

struct PartPattern {
    std::string_view prefix;
    std::string_view suffix; // empty: the name is exactly `prefix`
    XmlFormat format;
};

constexpr PartPattern kTextParts[] = {
    {"word/document.xml", "", XmlFormat::Word},
    {"word/header", ".xml", XmlFormat::Word},
    {"word/footer", ".xml", XmlFormat::Word},
    {"word/footnotes.xml", "", XmlFormat::Word},
    {"word/endnotes.xml", "", XmlFormat::Word},
    {"word/comments.xml", "", XmlFormat::Word},
    {"xl/sharedStrings.xml", "", XmlFormat::Spreadsheet},
    {"xl/worksheets/sheet", ".xml", XmlFormat::Spreadsheet},
    {"xl/comments", ".xml", XmlFormat::Spreadsheet},
    {"ppt/slides/slide", ".xml", XmlFormat::Presentation},
    {"ppt/notesSlides/notesSlide", ".xml", XmlFormat::Presentation},
    {"content.xml", "", XmlFormat::OpenDocument},
    {"styles.xml", "", XmlFormat::OpenDocument},
};

// Why a part that did not end well is uninspectable (FileNote); null: it is fully read.
const char* uninspectableReason(XmlOutcome outcome) noexcept {
    switch (outcome) {
    case XmlOutcome::Reading:
    case XmlOutcome::Complete:
    case XmlOutcome::Aborted: return nullptr;
    case XmlOutcome::Malformed: return "corrupt";
    case XmlOutcome::Depth: return "max-xml-depth";
    case XmlOutcome::Entities: return "xml-entities";
    case XmlOutcome::Amplification: return "max-xml-amplification";
    case XmlOutcome::TokenTooLarge: return "xml-token-too-large";
    case XmlOutcome::Namespaces: return "xml-namespaces";
    case XmlOutcome::Gap: return "gap";
    case XmlOutcome::NoMemory: return "out-of-memory";
    }
    return nullptr;
}

class XmlTextTransform final : public Transform, XmlTextOutput {
  public:
    XmlTextTransform(TransformContext& ctx, const LayerInfo& layer, LayerId parent,
                     XmlFormat format)
        : ctx_(ctx), parent_(parent), extractor_(format, ctx.files.xml, *this) {
        ++ctx.counters.xml.parts;
        LayerInfo out;
        out.type = "document.text";
        out.family = layer.family;
        out.depth = layer.depth;
        text_.prepare(ctx, out, parent);
        countEnd(); // a parser expat could not allocate
    }

    void feed(const uint8_t* data, size_t len) noexcept override {
        extractor_.feed(data, len);
        countEnd();
    }
    void gap(uint64_t /*missing*/) noexcept override {
        extractor_.gap();
        countEnd();
        text_.finish(); // what was extracted before the hole is real text
    }
    void finish() noexcept override {
        extractor_.finish();
        countEnd();
        text_.finish();
    }
    void abort() noexcept override {
        extractor_.abort();
        text_.abort();
    }

  private:
    void text(std::string_view utf8) noexcept override {
        text_.data(reinterpret_cast<const uint8_t*>(utf8.data()), utf8.size());
    }

    // The part's end is counted once, when the extractor first says how it ended.
    void countEnd() noexcept {
        if (counted_ || !extractor_.done()) return;
        counted_ = true;
        XmlCounters& c = ctx_.counters.xml;
        switch (extractor_.outcome()) {
        case XmlOutcome::Malformed: ++c.malformed; break;
        case XmlOutcome::Depth: ++c.depth_exceeded; break;
        case XmlOutcome::Entities: ++c.entities_refused; break;
        case XmlOutcome::Amplification: ++c.amplification_exceeded; break;
        case XmlOutcome::TokenTooLarge: ++c.tokens_too_large; break;
        case XmlOutcome::Namespaces: ++c.namespaces_exceeded; break;
        case XmlOutcome::Gap: ++c.gaps; break;
        case XmlOutcome::NoMemory: ++c.out_of_memory; break;
        default: break;
        }
        if (const char* reason = uninspectableReason(extractor_.outcome())) {
            FileNote note;
            note.uninspectable = reason;
            if (ctx_.sink) ctx_.sink->noteFile(parent_, note);
        }
    }

    TransformContext& ctx_;
    const LayerId parent_;
    LayerNode text_; // declared before the extractor, which writes into it
    XmlTextExtractor extractor_;
    bool counted_ = false;
};

} // namespace

std::optional<XmlFormat> xmlTextPartFormat(std::string_view name) noexcept {
    for (const PartPattern& p : kTextParts) {
        const bool match = p.suffix.empty() ? equalsNoCase(name, p.prefix)
                                            : matchesNumbered(name, p.prefix, p.suffix);
        if (match) return p.format;
    }
    return std::nullopt;
}

bool xmlTextApplies(const LayerInfo& layer, std::span<const uint8_t> /*first*/) noexcept {
    return std::string_view(layer.type) == "zip.entry" && layer.coding == ContentCoding::Identity &&
           xmlTextPartFormat(layer.file_name);
}

std::unique_ptr<Transform> makeXmlTextTransform(TransformContext& ctx, const LayerInfo& layer,
                                                LayerId parent) {
    const std::optional<XmlFormat> format = xmlTextPartFormat(layer.file_name);
    return std::make_unique<XmlTextTransform>(ctx, layer, parent, format.value_or(XmlFormat::Word));
}

} // namespace egressmon::dpi
