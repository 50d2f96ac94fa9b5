#include "dpi/transform/pdf/pdf_document.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <new>

#include "dpi/decode/mime/mime_charset.h"
#include "dpi/transform/pdf/pdf_dictionary.h"
#include "dpi/transform/pdf/pdf_text_string.h"

namespace egressmon::dpi {

namespace {

PdfSimpleEncoding encodingNamed(std::string_view name) noexcept {
    if (name == "MacRomanEncoding") return PdfSimpleEncoding::MacRoman;
    if (name == "StandardEncoding") return PdfSimpleEncoding::Standard;
    if (name == "PDFDocEncoding") return PdfSimpleEncoding::PdfDoc;
    return PdfSimpleEncoding::WinAnsi;
}

bool isFontSubtype(std::string_view s) noexcept {
    return s == "Type0" || s == "Type1" || s == "TrueType" || s == "Type3" || s == "MMType1";
}

// Streams that carry no text for a reader: images, font programs, colour profiles, metadata,
// functions and the like; embedded files, unless there is an attachment sink to decode them
// into (beginStream).
bool holdsNoText(const PdfDictionary& d) noexcept {
    const std::string_view type = d.name("Type"), subtype = d.name("Subtype");
    if (type == "Metadata" || type == "EmbeddedFile" || type == "XRef" || type == "Pattern")
        return true;
    if (subtype == "Image" || subtype == "Type1C" || subtype == "CIDFontType0C" ||
        subtype == "OpenType" || subtype == "XML")
        return true;
    // /N: an ICC profile's component count (an object stream's /N is looked at before this).
    return d.has("Length1") || d.has("Length2") || d.has("Length3") || d.has("N") ||
           d.has("FunctionType") || d.has("ShadingType");
}

// What a stream's /DecodeParms says (a direct dictionary; none: the defaults).
struct DecodeParms {
    // /Predictor 2 or more (PNG/TIFF predictors): only images and xref streams use them, and
    // they are not undone here.
    bool predictor = false;
    bool lzw_early_change = true; // /EarlyChange, default 1
};

DecodeParms decodeParms(const PdfDictionary& d) noexcept {
    DecodeParms out;
    const PdfValue* parms = d.find("DecodeParms");
    if (!parms || parms->kind != PdfValueKind::Dictionary) return out;
    PdfDictionary p;
    p.parse(parms->text);
    const auto predictor = p.integer("Predictor"), early = p.integer("EarlyChange");
    out.predictor = predictor && *predictor > 1;
    out.lzw_early_change = !early || *early != 0;
    return out;
}

std::optional<uint32_t> readUint(std::string_view s, size_t& pos) noexcept {
    while (pos < s.size() && isPdfDelimiterOrSpace(static_cast<unsigned char>(s[pos])))
        ++pos;
    uint32_t n = 0;
    const auto [p, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), n);
    if (ec != std::errc{}) return std::nullopt;
    pos = static_cast<size_t>(p - s.data());
    return n;
}

} // namespace

uint64_t PdfDocument::steadyNanos() noexcept {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

PdfDocument::PdfDocument(const PdfLimits& limits, PdfCounters& counters, ExtractionBudget* budget,
                         Clock clock) noexcept
    : limits_(limits), counters_(counters), budget_(budget), clock_(clock),
      scanner_(PdfLimits::kMaxObjectText) {
    ++counters_.documents;
}

PdfDocument::~PdfDocument() {
    if (budget_) budget_->release(stream_reserved_ + held_reserved_);
}

void PdfDocument::feed(const uint8_t* data, size_t len, std::string& out) noexcept {
    if (stop_ != PdfStop::None) return;
    const uint64_t start = clock_();
    out_ = &out;
    const uint64_t cut_before = scanner_.bodiesCut();
    scanner_.feed(data, len, *this);
    counters_.object_text_cut += scanner_.bodiesCut() - cut_before;
    out_ = nullptr;
    busy_ns_ += clock_() - start;
    overTime();
}

void PdfDocument::gap() noexcept {
    if (!gap_) ++counters_.gaps;
    gap_ = true;
    scanner_.gap(*this);
}

void PdfDocument::finish(std::string& out) noexcept {
    out_ = &out;
    if (stop_ == PdfStop::None) scanner_.finish(*this);
    endAttachment(uninspectable()); // still open only when the document stopped inside it
    // An /EF pointing at a stream never read as an attachment: it came before its file
    // specification without /Type /EmbeddedFile, or never came.
    for (const auto& [stream, ref] : attachment_refs_)
        if (ref.from_filespec && !ref.read) attachment_unread_ = true;
    // What was held is read now with whatever fonts and CMaps came; an encrypted file's
    // streams were ciphertext.
    resolved_.clear();
    // Past the object bound the text read so far still counts, held content included; past
    // the time bound or out of memory nothing more is done.
    for (std::string& content : held_) {
        if ((stop_ != PdfStop::None && stop_ != PdfStop::Objects) || encrypted_) break;
        const uint64_t start = clock_();
        readContent(content, /*lenient=*/true);
        busy_ns_ += clock_() - start;
        overTime();
    }
    held_.clear();
    if (budget_) budget_->release(held_reserved_);
    held_reserved_ = held_bytes_ = 0;
    if (encrypted_) ++counters_.encrypted;
    out_ = nullptr;
}

const char* PdfDocument::uninspectable() const noexcept {
    if (encrypted_) return "encrypted";
    switch (stop_) {
    case PdfStop::Objects: return "max-pdf-objects";
    case PdfStop::Time: return "max-file-time";
    case PdfStop::NoMemory: return "no-memory";
    case PdfStop::None: break;
    }
    if (memory_over_) return "max-worker-memory";
    if (stream_too_large_) return "max-pdf-stream-bytes";
    if (gap_) return "gap";
    if (corrupt_) return "corrupt";
    if (unsupported_) return "unsupported-filter";
    // Past the held bound streams were still read (with the fonts known then): not a loss of
    // text, unless a font came later, which cannot be told.
    if (buffered_over_) return "max-pdf-buffered-bytes";
    if (attachment_truncated_) return "truncated";
    if (attachment_unread_) return "attachment-unread";
    return nullptr;
}

void PdfDocument::stop(PdfStop why) noexcept {
    if (stop_ != PdfStop::None) return;
    stop_ = why;
    if (why == PdfStop::Objects) ++counters_.objects_exceeded;
    if (why == PdfStop::Time) ++counters_.time_exceeded;
    endAttachment(uninspectable()); // no more of the file is read
}

bool PdfDocument::overTime() noexcept {
    if (busy_ns_ <= uint64_t{limits_.max_file_ms} * 1000000u) return false;
    stop(PdfStop::Time);
    return true;
}

void PdfDocument::object(uint32_t num, std::string_view body, bool has_stream) noexcept {
    if (stop_ != PdfStop::None) return;
    if (++objects_ > limits_.max_objects) {
        stop(PdfStop::Objects);
        return;
    }
    PdfDictionary dict;
    const bool is_dict = dict.parse(body);
    if (is_dict) dictionary(num, dict);
    stream_kind_ = StreamKind::Skip;
    if (!has_stream) return;
    stream_num_ = num;
    if (!is_dict) {
        ++counters_.streams_skipped; // its dictionary was lost: nothing says how to decode it
        return;
    }
    beginStream(dict);
}

void PdfDocument::beginStream(const PdfDictionary& dict) noexcept {
    const std::string_view type = dict.name("Type");
    // An attachment by its /Type, or by a file specification's /EF pointing at it, whatever
    // its /Type says (it is optional, and readers find attachments through /EF; every version
    // of a stream number an /EF names, as an incremental update may write it again). An
    // encrypted file's attachments are ciphertext (an /Encrypt seen later cannot be told here:
    // those bytes go to the attachment, which reads as binary).
    AttachmentRef* ref = attachments_ ? attachmentRef(stream_num_) : nullptr;
    const bool attachment =
        attachments_ && !encrypted_ && (type == "EmbeddedFile" || (ref && ref->from_filespec));
    const bool object_stream = type == "ObjStm" && !attachment;
    // XMP (ISO 16684-1): the document's title, subject, keywords and description again, and
    // whatever else a tool or a person wrote there.
    const bool metadata = !attachment && !encrypted_ && type == "Metadata" &&
                          (dict.name("Subtype") == "XML" || !dict.has("Subtype"));
    if (!object_stream && !attachment && !metadata && holdsNoText(dict)) {
        ++counters_.streams_skipped;
        return;
    }
    std::array<PdfFilter, PdfFilterChain::kMaxFilters> filters{};
    size_t n = 0;
    bool known = true;
    if (const PdfValue* f = dict.find("Filter")) {
        forEachPdfName(*f, [&](std::string_view name) {
            const auto filter = pdfFilterByName(name);
            if (!filter || n == filters.size()) {
                known = false;
                return;
            }
            filters[n++] = *filter;
        });
    }
    const DecodeParms parms = decodeParms(dict);
    if (!known || parms.predictor ||
        !chain_.init(std::span(filters.data(), n), limits_.max_stream_bytes,
                     limits_.max_compression_ratio, parms.lzw_early_change)) {
        ++counters_.streams_unsupported;
        unsupported_ = true;
        return;
    }
    if (object_stream) {
        const auto count = dict.integer("N"), first = dict.integer("First");
        if (!count || !first || *count < 0 || *first < 0 || *count > limits_.max_objects) {
            ++counters_.streams_skipped;
            return;
        }
        objstm_count_ = static_cast<uint32_t>(*count);
        objstm_first_ = static_cast<uint32_t>(std::min<int64_t>(*first, UINT32_MAX));
        stream_kind_ = StreamKind::ObjectStream;
    } else {
        stream_kind_ = attachment ? StreamKind::Attachment
                       : metadata ? StreamKind::Metadata
                                  : StreamKind::Text;
    }
    stream_.clear();
    stream_over_ = false;
    if (attachment) {
        ++counters_.attachments;
        attachment_identity_ = n == 0;
        const std::optional<int64_t> length = dict.integer("Length");
        attachment_length_.reset();
        if (length && *length >= 0) attachment_length_ = static_cast<uint64_t>(*length);
        attachment_raw_ = 0;
        attachment_tail_len_ = 0;
        if (ref) {
            ref->read = true;
        } else if (attachment_refs_.size() < kMaxAttachmentNames) {
            try { // a file specification that comes later finds it read
                ref = &attachment_refs_.try_emplace(stream_num_, AttachmentRef{{}, true, false})
                           .first->second;
            } catch (const std::bad_alloc&) {
                stream_kind_ = StreamKind::Skip;
                stop(PdfStop::NoMemory);
                return;
            }
        }
        attachment_open_ = true;
        attachments_->beginAttachment(ref ? std::string_view(ref->name) : std::string_view());
    }
}

PdfDocument::AttachmentRef* PdfDocument::attachmentRef(uint32_t stream) noexcept {
    const auto it = attachment_refs_.find(stream);
    return it == attachment_refs_.end() ? nullptr : &it->second;
}

// An attachment's decoded bytes go on as they come; stream_ is only the chain's scratch.
void PdfDocument::passAttachment() noexcept {
    if (!attachment_open_ || stream_.empty()) return;
    attachments_->attachmentData(reinterpret_cast<const uint8_t*>(stream_.data()), stream_.size());
    stream_.clear();
}

void PdfDocument::endAttachment(const char* uninspectable) noexcept {
    if (!attachment_open_) return;
    attachment_open_ = false;
    attachments_->endAttachment(uninspectable);
}

bool PdfDocument::holdBytes(size_t capacity_now, size_t& held) noexcept {
    if (capacity_now <= held) return true;
    if (budget_ && !budget_->reserve(capacity_now - held)) return false;
    held = capacity_now;
    return true;
}

// The bytes before "endstream" end with an EOL marker that is not the file's (ISO 32000-1
// §7.3.8.1). Filters end at their own end of data; an unfiltered attachment's last two bytes
// are held until its end shows which are the EOL.
void PdfDocument::identityAttachmentData(const uint8_t* data, size_t len) noexcept {
    attachment_raw_ += len;
    if (len >= 2) {
        chain_.feed(attachment_tail_.data(), attachment_tail_len_, stream_);
        chain_.feed(data, len - 2, stream_);
        attachment_tail_ = {data[len - 2], data[len - 1]};
        attachment_tail_len_ = 2;
    } else if (len == 1) {
        if (attachment_tail_len_ == 2) {
            chain_.feed(attachment_tail_.data(), 1, stream_);
            attachment_tail_[0] = attachment_tail_[1];
            attachment_tail_len_ = 1;
        }
        attachment_tail_[attachment_tail_len_++] = data[0];
    }
}

// The end: a direct /Length that leaves only CR/LF bytes before "endstream" says where the file
// ends; with any other /Length (readers then go by "endstream" too) or none, one EOL (CR LF, LF
// or CR) is dropped. A stream the file's end cut keeps every byte it had.
void PdfDocument::identityAttachmentEnd(bool complete) noexcept {
    const auto eol = [](uint8_t c) { return c == '\r' || c == '\n'; };
    const uint8_t held = attachment_tail_len_;
    std::optional<uint8_t> drop;
    if (!complete) {
        drop = 0;
    } else if (attachment_length_ && *attachment_length_ <= attachment_raw_ &&
               attachment_raw_ - *attachment_length_ <= held) {
        drop = static_cast<uint8_t>(attachment_raw_ - *attachment_length_);
        for (uint8_t i = held - *drop; i < held; ++i)
            if (!eol(attachment_tail_[i])) drop.reset();
    }
    if (!drop) { // the EOL rule
        drop = 0;
        if (held == 2 && attachment_tail_[0] == '\r' && attachment_tail_[1] == '\n')
            drop = 2;
        else if (held > 0 && eol(attachment_tail_[held - 1]))
            drop = 1;
    }
    chain_.feed(attachment_tail_.data(), held - *drop, stream_);
    attachment_tail_len_ = 0;
}

void PdfDocument::streamData(const uint8_t* data, size_t len) noexcept {
    if (stop_ != PdfStop::None || stream_kind_ == StreamKind::Skip || stream_over_) return;
    if (stream_kind_ == StreamKind::Attachment && attachment_identity_)
        identityAttachmentData(data, len);
    else
        chain_.feed(data, len, stream_); // its own bounds; an allocation failure is its status
    if (!holdBytes(stream_.capacity(), stream_reserved_)) {
        // The worker's extraction memory is spent: this stream is read as far as it came.
        stream_over_ = true;
        if (!memory_over_) ++counters_.memory_exceeded;
        memory_over_ = true;
    }
    if (stream_kind_ == StreamKind::Attachment) passAttachment();
}

void PdfDocument::releaseStream() noexcept {
    std::string().swap(stream_);
    if (budget_) budget_->release(stream_reserved_);
    stream_reserved_ = 0;
}

// A stream a hole broke (or the file's end cut) is read as far as it came: gap() already noted
// the hole, and a cut stream is what the file had.
void PdfDocument::streamEnd(bool broken, bool complete) noexcept {
    const StreamKind kind = stream_kind_;
    stream_kind_ = StreamKind::Skip;
    if (stop_ != PdfStop::None || kind == StreamKind::Skip) return;
    if (kind == StreamKind::Attachment && attachment_identity_ && !stream_over_)
        identityAttachmentEnd(complete && !broken); // after a hole the end bytes are data
    if (!stream_over_) chain_.finish(stream_);
    switch (chain_.status()) {
    case PdfFilterStatus::Corrupt:
        ++counters_.streams_corrupt;
        corrupt_ = true;
        break;
    case PdfFilterStatus::TooLarge:
        ++counters_.stream_bytes_exceeded;
        stream_too_large_ = true;
        break;
    case PdfFilterStatus::NoMemory: stop(PdfStop::NoMemory); break;
    case PdfFilterStatus::Active:
    case PdfFilterStatus::Done: break;
    }
    ++counters_.streams_decoded;
    if (kind == StreamKind::Attachment) {
        passAttachment();
        const PdfFilterStatus status = chain_.status();
        // A filter's end of data may never have come: the file's end cut it (filters report
        // that as done).
        if (!complete) attachment_truncated_ = true;
        endAttachment(stream_over_                          ? "max-worker-memory"
                      : broken                              ? "gap"
                      : !complete                           ? "truncated"
                      : status == PdfFilterStatus::TooLarge ? "max-pdf-stream-bytes"
                      : status == PdfFilterStatus::Corrupt  ? "corrupt"
                      : status == PdfFilterStatus::NoMemory ? "no-memory"
                                                            : nullptr);
        releaseStream();
        return;
    }
    const uint64_t start = clock_();
    if (kind == StreamKind::ObjectStream) {
        ++counters_.object_streams;
        objectStream(stream_);
    } else if (kind == StreamKind::Metadata) {
        metadataStream(stream_);
    } else {
        textStream(std::move(stream_)); // held for later, or read and dropped
    }
    releaseStream();
    busy_ns_ += clock_() - start;
    overTime();
}

void PdfDocument::textStream(std::string&& decoded) noexcept {
    if (decoded.find("begincmap") != std::string::npos) {
        ++counters_.cmaps;
        try {
            cmaps_.insert_or_assign(stream_num_,
                                    PdfCMap::parse(decoded, PdfLimits::kMaxCMapMappings));
        } catch (const std::bad_alloc&) {
            stop(PdfStop::NoMemory);
        }
        return;
    }
    if (encrypted_) return; // ciphertext
    // Read now when every font it selects is known; else hold it for the end of the file.
    if (fontsKnown(decoded)) {
        readContent(decoded, /*lenient=*/false);
        return;
    }
    const bool over_held = held_bytes_ + decoded.size() > limits_.max_buffered_bytes;
    if (over_held || !holdBytes(held_reserved_ + decoded.capacity(), held_reserved_)) {
        // No room to wait: read it with what is known now.
        if (over_held) {
            if (!buffered_over_) ++counters_.buffered_exceeded;
            buffered_over_ = true;
        } else {
            if (!memory_over_) ++counters_.memory_exceeded;
            memory_over_ = true;
        }
        readContent(decoded, true);
        return;
    }
    try {
        held_bytes_ += decoded.size();
        held_.push_back(std::move(decoded));
        ++counters_.streams_deferred;
    } catch (const std::bad_alloc&) {
        stop(PdfStop::NoMemory);
    }
}

bool PdfDocument::fontsKnown(std::string_view content) const noexcept {
    // Each "/Name size Tf": a look at the operators only, so that a stream held for later is
    // not read twice. A "Tf" inside a string may name nothing: the stream is then held, which
    // costs memory, not text.
    const Fonts strict(*this, false);
    const auto separator = [&](size_t i) {
        return isPdfDelimiterOrSpace(static_cast<unsigned char>(content[i]));
    };
    // Back from `pos` over separators other than '/' (spaces), or over a token's characters.
    const auto back = [&](size_t pos, bool spaces) {
        while (pos > 0 &&
               (spaces ? separator(pos - 1) && content[pos - 1] != '/' : !separator(pos - 1)))
            --pos;
        return pos;
    };
    for (size_t at = content.find("Tf"); at != std::string_view::npos;
         at = content.find("Tf", at + 2)) {
        const size_t after = at + 2;
        if (at == 0 || !separator(at - 1) || (after < content.size() && !separator(after)))
            continue;
        const size_t name_end = back(back(back(at, true), false), true); // past the size
        const size_t pos = back(name_end, false);
        if (pos == 0 || content[pos - 1] != '/') continue; // not "/Name size Tf": ignored
        if (!strict.font(content.substr(pos, name_end - pos))) return false;
    }
    return true;
}

void PdfDocument::readContent(std::string_view content, bool lenient) noexcept {
    const Fonts fonts(*this, lenient);
    extractPdfContentText(content, fonts, *out_);
}

void PdfDocument::objectStream(std::string_view decoded) noexcept {
    // "num offset" pairs, then the objects from /First (ISO 32000-1 §7.5.7).
    size_t pos = 0;
    std::vector<std::pair<uint32_t, uint32_t>> index;
    try {
        index.reserve(std::min<uint32_t>(objstm_count_, 4096));
        for (uint32_t i = 0; i < objstm_count_; ++i) {
            const auto num = readUint(decoded, pos);
            const auto offset = num ? readUint(decoded, pos) : std::nullopt;
            if (!offset) break;
            index.emplace_back(*num, *offset);
        }
    } catch (const std::bad_alloc&) {
        stop(PdfStop::NoMemory);
        return;
    }
    for (size_t i = 0; i < index.size(); ++i) {
        if (++objects_ > limits_.max_objects) {
            stop(PdfStop::Objects);
            return;
        }
        const uint64_t begin = uint64_t{objstm_first_} + index[i].second;
        const uint64_t end =
            i + 1 < index.size() ? uint64_t{objstm_first_} + index[i + 1].second : decoded.size();
        if (begin >= decoded.size() || end <= begin) continue;
        PdfDictionary dict;
        if (dict.parse(decoded.substr(begin, std::min<uint64_t>(end, decoded.size()) - begin)))
            dictionary(index[i].first, dict);
    }
}

void PdfDocument::trailer(std::string_view body) noexcept {
    if (stop_ != PdfStop::None) return; // a stopped document reads nothing more, whole or split
    PdfDictionary dict;
    if (dict.parse(body) && dict.has("Encrypt")) encrypted_ = true;
}

void PdfDocument::dictionary(uint32_t num, const PdfDictionary& dict) noexcept {
    // A trailer or a cross-reference stream's dictionary names the encryption dictionary.
    if (dict.has("Encrypt") && (dict.has("Root") || dict.has("Size"))) encrypted_ = true;
    documentStrings(dict);
    if (attachments_) fileSpecifications(dict, 0);
    const std::string_view type = dict.name("Type"), subtype = dict.name("Subtype");
    if ((type == "Font" || (type.empty() && dict.has("BaseFont"))) && isFontSubtype(subtype))
        fontDictionary(num, dict);
    if (const PdfValue* fonts = dict.find("Font")) {
        if (fonts->kind == PdfValueKind::Dictionary) {
            PdfDictionary names;
            if (names.parse(fonts->text)) fontResources(names);
        } else if (fonts->kind == PdfValueKind::Reference) {
            try {
                font_resource_objects_.insert(fonts->reference);
            } catch (const std::bad_alloc&) {
                stop(PdfStop::NoMemory);
            }
        }
    }
    if (const PdfValue* resources = dict.find("Resources");
        resources && resources->kind == PdfValueKind::Dictionary) {
        PdfDictionary inner;
        if (inner.parse(resources->text)) dictionary(0, inner);
    }
    if (num != 0 && font_resource_objects_.count(num) > 0) fontResources(dict);
}

// What people type into a PDF besides its pages, read as text in the order the objects come:
// document information, form fields (name, tooltip, value, default value) and annotation
// contents (comments, sticky notes). A signature's /Contents is its binary PKCS#7 blob, and a
// page's is a reference: only an annotation's (it has a /Rect) is text.
void PdfDocument::documentStrings(const PdfDictionary& dict) noexcept {
    static constexpr std::string_view kKeys[] = {"Title", "Author", "Subject", "Keywords",
                                                 "T",     "TU",     "V",       "DV"};
    if (!out_) return;
    try {
        const auto take = [&](const PdfValue* value) {
            if (!value) return;
            const size_t before = out_->size();
            if (!appendPdfTextString(*value, *out_)) return;
            if (out_->size() == before) return;
            out_->push_back('\n');
            ++counters_.document_strings;
        };
        for (const std::string_view key : kKeys)
            take(dict.find(key));
        if (dict.has("Rect") && dict.name("Type") != "Sig") take(dict.find("Contents"));
    } catch (const std::bad_alloc&) {
        stop(PdfStop::NoMemory);
    }
}

// File specifications (ISO 32000-1 §7.11.3) are top-level objects or written inline, wherever
// a dictionary or an array can hold one: a file attachment annotation's /FS, an /Annots array, a
// name tree's /Names array (in the catalog's /Names /EmbeddedFiles), PDF 2.0's /AF arrays. Only
// values whose text holds "/EF" are opened, to a bounded depth, so other objects cost one search.
void PdfDocument::fileSpecifications(const PdfDictionary& dict, uint32_t depth) noexcept {
    static constexpr uint32_t kMaxDepth = 6; // catalog / Names / EmbeddedFiles / Names [ ... ]
    fileSpecification(dict);
    if (depth == kMaxDepth) return;
    const auto holdsEf = [](std::string_view text) {
        return text.find("/EF") != std::string_view::npos;
    };
    for (const PdfDictionary::Entry& e : dict) {
        if (!holdsEf(e.value.text)) continue;
        if (e.value.kind == PdfValueKind::Dictionary) {
            PdfDictionary inner;
            if (inner.parse(e.value.text)) fileSpecifications(inner, depth + 1);
        } else if (e.value.kind == PdfValueKind::Array) {
            size_t pos = 1; // past '['
            while (auto v = lexPdfValue(e.value.text, pos)) {
                if (v->value.kind == PdfValueKind::Keyword && v->value.text == "]") break;
                pos = v->end;
                if (v->value.kind != PdfValueKind::Dictionary || !holdsEf(v->value.text)) continue;
                PdfDictionary inner;
                if (inner.parse(v->value.text)) fileSpecifications(inner, depth + 1);
            }
        }
    }
}

// The streams one file specification's /EF names, under its name: /UF (a text string) or else
// /F. Only a name seen before its stream can name the attachment: the layer's name is given
// when it begins.
void PdfDocument::fileSpecification(const PdfDictionary& dict) noexcept {
    const PdfValue* ef = dict.find("EF");
    if (!ef || ef->kind != PdfValueKind::Dictionary) return;
    PdfDictionary streams;
    if (!streams.parse(ef->text)) return;
    // Each key of /EF (F, UF, and the old DOS, Mac, Unix) may name a stream: readers differ in
    // which they open, so each is an attachment, under the one name.
    std::string name;
    try {
        const PdfValue* uf = dict.find("UF");
        if (!uf || !appendPdfTextString(*uf, name) || name.empty()) {
            name.clear();
            if (const PdfValue* f = dict.find("F")) appendPdfTextString(*f, name);
        }
        truncateUtf8(name, kMaxAttachmentNameBytes); // text strings are valid UTF-8
        for (const PdfDictionary::Entry& e : streams) {
            if (e.value.kind != PdfValueKind::Reference) continue;
            if (AttachmentRef* known = attachmentRef(e.value.reference)) {
                known->from_filespec = true; // read already, or to be read as an attachment
                continue;
            }
            if (attachment_refs_.size() >= kMaxAttachmentNames) {
                attachment_unread_ = true; // one more than can be followed: not vouched for
                continue;
            }
            attachment_refs_.try_emplace(e.value.reference, AttachmentRef{name, false, true});
        }
    } catch (const std::bad_alloc&) {
        stop(PdfStop::NoMemory);
    }
}

namespace {
// The extractor's text, appended to the document's.
struct AppendText final : XmlTextOutput {
    explicit AppendText(std::string& out) : out(out) {}
    void text(std::string_view utf8) noexcept override {
        try {
            out.append(utf8);
        } catch (const std::bad_alloc&) {
            failed = true;
        }
    }
    std::string& out;
    bool failed = false;
};
} // namespace

// An XMP packet is XML: its text (element content and attribute values, not the markup) is read
// with expat like an office part's, after the text read so far. A packet that is not
// well-formed gives the text before the fault (the document is not called uninspectable for
// it: every reader skips a broken packet too).
void PdfDocument::metadataStream(std::string_view decoded) noexcept {
    if (!out_) return;
    ++counters_.metadata_streams;
    AppendText text(*out_);
    XmlTextExtractor xml(XmlFormat::Metadata, xml_limits_, text);
    xml.feed(reinterpret_cast<const uint8_t*>(decoded.data()), decoded.size());
    xml.finish();
    if (!out_->empty() && out_->back() != '\n') text.text("\n");
    if (text.failed || xml.outcome() == XmlOutcome::NoMemory) stop(PdfStop::NoMemory);
}

void PdfDocument::fontResources(const PdfDictionary& fonts) noexcept {
    try {
        for (const PdfDictionary::Entry& e : fonts) {
            uint32_t font = 0;
            if (e.value.kind == PdfValueKind::Reference) {
                font = e.value.reference;
            } else if (e.value.kind == PdfValueKind::Dictionary) { // a font written inline
                PdfDictionary inline_font;
                if (!inline_font.parse(e.value.text)) continue;
                font = next_direct_font_++;
                fontDictionary(font, inline_font);
            } else {
                continue;
            }
            // The first font a name is given to keeps it (DESIGN.md: names are file-wide).
            font_names_.emplace(std::string(e.key), font);
        }
    } catch (const std::bad_alloc&) {
        stop(PdfStop::NoMemory);
    }
}

void PdfDocument::fontDictionary(uint32_t num, const PdfDictionary& dict) noexcept {
    FontInfo info;
    info.type0 = dict.name("Subtype") == "Type0";
    if (auto cmap = dict.reference("ToUnicode")) info.to_unicode = *cmap;
    if (const PdfValue* enc = dict.find("Encoding")) {
        if (enc->kind == PdfValueKind::Name) {
            info.encoding = encodingNamed(enc->text);
        } else if (enc->kind == PdfValueKind::Dictionary) {
            PdfDictionary e;
            if (e.parse(enc->text)) info.encoding = encodingNamed(e.name("BaseEncoding"));
        }
    }
    try {
        fonts_.insert_or_assign(num, info);
    } catch (const std::bad_alloc&) {
        stop(PdfStop::NoMemory);
    }
}

const PdfFont* PdfDocument::Fonts::font(std::string_view resource_name) const noexcept {
    try {
        const std::string name(resource_name);
        if (auto hit = doc_.resolved_.find(name); hit != doc_.resolved_.end()) return &hit->second;
        const auto named = doc_.font_names_.find(name);
        const FontInfo* info = nullptr;
        if (named != doc_.font_names_.end()) {
            const auto f = doc_.fonts_.find(named->second);
            if (f != doc_.fonts_.end()) info = &f->second;
        }
        if (!info && !lenient_) return nullptr;
        PdfFont font;
        if (info) {
            font.two_byte_codes = info->type0;
            font.encoding = info->encoding;
            if (info->to_unicode != 0) {
                const auto cmap = doc_.cmaps_.find(info->to_unicode);
                if (cmap != doc_.cmaps_.end())
                    font.to_unicode = &cmap->second;
                else if (!lenient_)
                    return nullptr; // its CMap may come later
            }
        }
        return &doc_.resolved_.insert_or_assign(name, font).first->second;
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

} // namespace egressmon::dpi
