#pragma once
// The text of one PDF file, read as it streams past (PdfObjectScanner finds its objects): every
// content stream's text-showing operators (pdf_content_text.h), read through the font each one
// selects, whose ToUnicode CMap (pdf_cmap.h) maps glyph codes to text, with stream data decoded
// through its filters (pdf_filter_chain.h). Fonts are found from their dictionaries, in objects
// or object streams: the font dictionary (/Type /Font: its /ToUnicode and /Encoding), and the
// resource dictionaries naming fonts (/Font << /F1 5 0 R >>).
//
// A PDF gives no order: a page's content stream often comes before its fonts and their CMaps.
// A content stream that selects a font not known yet, or whose CMap has not been seen, is held
// (decoded) until the file ends, then read with whatever is known by then; one whose fonts are
// all known is read at once. Held bytes are bounded per file (max_buffered_bytes: past it,
// streams are read at once with what is known) and per worker (ExtractionBudget).
//
// Resource names are taken file-wide (/F1 is the first font any resource dictionary calls /F1);
// a file whose pages give one name to different fonts reads the later pages' text in the first
// page's font (counted as nothing; see DESIGN.md).
//
// Thread: the worker that owns the flow. noexcept; allocation failures end the text
// (PdfStop::NoMemory).

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dpi/transform/extraction_budget.h"
#include "dpi/transform/pdf/pdf_cmap.h"
#include "dpi/transform/pdf/pdf_content_text.h"
#include "dpi/transform/pdf/pdf_counters.h"
#include "dpi/transform/pdf/pdf_filter_chain.h"
#include "dpi/transform/pdf/pdf_object_scanner.h"
#include "dpi/transform/xml/xml_text_extractor.h"

namespace egressmon::dpi {

class PdfDictionary;

struct PdfLimits {
    uint64_t max_stream_bytes = 16ull << 20;   // extraction.max-pdf-stream-bytes: decoded, each
    uint64_t max_buffered_bytes = 32ull << 20; // extraction.max-pdf-buffered-bytes: held, a file
    uint32_t max_objects = 1000000;            // extraction.max-pdf-objects
    uint32_t max_file_ms = 2000;               // extraction.max-file-time-ms
    uint32_t max_compression_ratio = 1000;     // decoded / raw, per stream (extraction's)
    // Fixed: the text of one object kept by the scanner, and the mappings of one CMap (a CJK
    // font's ToUnicode has a few thousand).
    static constexpr size_t kMaxObjectText = 1u << 20;
    static constexpr uint32_t kMaxCMapMappings = 1u << 16;
};

// Why a document's text ended early, or was never read.
enum class PdfStop : uint8_t { None, Objects, Time, NoMemory };

// Where the files attached inside a PDF go (/Type /EmbeddedFile streams: what a reader lists
// under "attachments"), decoded through their filters as they stream past, one at a time.
class PdfAttachmentSink {
  public:
    virtual ~PdfAttachmentSink() = default;
    // `name`: the file specification's /UF or /F when it came before the stream, else "".
    virtual void beginAttachment(std::string_view name) noexcept = 0;
    virtual void attachmentData(const uint8_t* data, size_t len) noexcept = 0;
    // `uninspectable`: why the attachment was cut short ("max-pdf-stream-bytes", "corrupt",
    // "gap"...), or null when it is whole.
    virtual void endAttachment(const char* uninspectable) noexcept = 0;
};

class PdfDocument final : private PdfScanEvents {
  public:
    // File specifications' references to attachment streams and their names, kept for an
    // attachment that comes after its file specification (at most kMaxAttachmentNames, each cut
    // to kMaxAttachmentNameBytes; more make the file uninspectable, attachment-unread).
    static constexpr size_t kMaxAttachmentNames = 256;
    static constexpr size_t kMaxAttachmentNameBytes = 255;
    using Clock = uint64_t (*)() noexcept; // monotonic nanoseconds
    static uint64_t steadyNanos() noexcept;

    PdfDocument(const PdfLimits& limits, PdfCounters& counters, ExtractionBudget* budget,
                Clock clock = steadyNanos) noexcept;
    ~PdfDocument();
    PdfDocument(const PdfDocument&) = delete;
    PdfDocument& operator=(const PdfDocument&) = delete;

    // Attached files are decoded into `sink` (must outlive the document); without one they are
    // skipped like images.
    void setAttachmentSink(PdfAttachmentSink* sink) noexcept { attachments_ = sink; }
    // The bounds the XMP packet is read under (the extraction: section's XML keys).
    void setXmlLimits(const XmlLimits& limits) noexcept { xml_limits_ = limits; }

    // The next bytes of the file; the text they complete is appended to `out`.
    void feed(const uint8_t* data, size_t len, std::string& out) noexcept;
    void gap() noexcept;
    // The file ended: held content is read and appended.
    void finish(std::string& out) noexcept;

    bool encrypted() const noexcept { return encrypted_; }
    PdfStop stopped() const noexcept { return stop_; }
    // Why the file was not fully inspected ("max-pdf-stream-bytes", "corrupt"...), or null:
    // the first bound hit or failure, in the order the contract's reasons are listed.
    const char* uninspectable() const noexcept;

  private:
    struct FontInfo {
        uint32_t to_unicode = 0; // object number of the CMap stream; 0: none
        bool type0 = false;
        PdfSimpleEncoding encoding = PdfSimpleEncoding::WinAnsi;
    };
    enum class StreamKind : uint8_t { Skip, Text, ObjectStream, Attachment, Metadata };
    // Resolves content streams' font names through what the document knows. `lenient`: a font
    // or CMap not seen is read as best it can be (at the end); else such a font is unknown.
    class Fonts final : public PdfFontResolver {
      public:
        Fonts(const PdfDocument& doc, bool lenient) noexcept : doc_(doc), lenient_(lenient) {}
        const PdfFont* font(std::string_view resource_name) const noexcept override;

      private:
        const PdfDocument& doc_;
        bool lenient_;
    };

    // PdfScanEvents
    void object(uint32_t num, std::string_view body, bool has_stream) noexcept override;
    void streamData(const uint8_t* data, size_t len) noexcept override;
    void streamEnd(bool broken, bool complete) noexcept override;
    void trailer(std::string_view body) noexcept override;

    void dictionary(uint32_t num, const PdfDictionary& dict) noexcept;
    void documentStrings(const PdfDictionary& dict) noexcept;
    void fileSpecifications(const PdfDictionary& dict, uint32_t depth) noexcept;
    void fileSpecification(const PdfDictionary& dict) noexcept;
    void passAttachment() noexcept;
    void identityAttachmentData(const uint8_t* data, size_t len) noexcept;
    void identityAttachmentEnd(bool complete) noexcept;
    struct AttachmentRef;
    AttachmentRef* attachmentRef(uint32_t stream) noexcept;
    void endAttachment(const char* uninspectable) noexcept;
    void fontResources(const PdfDictionary& fonts) noexcept;
    void fontDictionary(uint32_t num, const PdfDictionary& dict) noexcept;
    StreamKind streamKind(const PdfDictionary& dict) noexcept;
    void beginStream(const PdfDictionary& dict) noexcept;
    void textStream(std::string&& decoded) noexcept;
    void objectStream(std::string_view decoded) noexcept;
    void metadataStream(std::string_view decoded) noexcept;
    void readContent(std::string_view content, bool lenient) noexcept;
    bool fontsKnown(std::string_view content) const noexcept;
    bool holdBytes(size_t capacity_now, size_t& held) noexcept;
    void releaseStream() noexcept;
    void stop(PdfStop why) noexcept;
    bool overTime() noexcept;

    PdfLimits limits_;
    PdfCounters& counters_;
    ExtractionBudget* budget_;
    Clock clock_;
    PdfObjectScanner scanner_;
    std::string* out_ = nullptr; // during feed/finish
    PdfAttachmentSink* attachments_ = nullptr;
    XmlLimits xml_limits_;
    bool attachment_open_ = false;
    // An unfiltered attachment's bytes run to "endstream", EOL included: its last two bytes
    // are held until the end says whether they are the EOL (identityAttachmentEnd).
    bool attachment_identity_ = false;
    std::optional<uint64_t> attachment_length_; // a direct /Length
    uint64_t attachment_raw_ = 0;
    uint8_t attachment_tail_len_ = 0;
    std::array<uint8_t, 2> attachment_tail_{};
    // Streams a file specification's /EF points at (an attachment whatever its /Type says),
    // with the name it gives, and attachments by /Type (so a later /EF finds them read).
    struct AttachmentRef {
        std::string name;
        bool read = false;          // decoded as an attachment at least once
        bool from_filespec = false; // an /EF names it (else an attachment by /Type only)
    };
    std::unordered_map<uint32_t, AttachmentRef> attachment_refs_;
    bool attachment_unread_ = false;    // an /EF pointed at a stream not read as an attachment
    bool attachment_truncated_ = false; // the file ended inside an attachment

    // The stream being read.
    StreamKind stream_kind_ = StreamKind::Skip;
    uint32_t stream_num_ = 0;
    uint32_t objstm_count_ = 0, objstm_first_ = 0;
    PdfFilterChain chain_;
    std::string stream_;         // its decoded bytes
    size_t stream_reserved_ = 0; // of the budget, for stream_
    bool stream_over_ = false;   // the budget refused it: the rest is not decoded

    std::unordered_map<uint32_t, FontInfo> fonts_;
    std::unordered_map<std::string, uint32_t> font_names_;
    std::unordered_set<uint32_t> font_resource_objects_; // objects that are /Font dictionaries
    std::unordered_map<uint32_t, PdfCMap> cmaps_;
    mutable std::unordered_map<std::string, PdfFont> resolved_; // stable addresses for Tf
    uint32_t next_direct_font_ = 0x80000000u;                   // numbers for fonts written inline

    std::vector<std::string> held_; // content streams waiting for their fonts
    size_t held_bytes_ = 0, held_reserved_ = 0;

    uint64_t objects_ = 0;
    uint64_t busy_ns_ = 0;
    bool encrypted_ = false, gap_ = false, corrupt_ = false, unsupported_ = false;
    bool stream_too_large_ = false, buffered_over_ = false, memory_over_ = false;
    PdfStop stop_ = PdfStop::None;
};

} // namespace egressmon::dpi
