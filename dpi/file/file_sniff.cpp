#include "dpi/file/file_sniff.h"

#include <cstring>

namespace egressmon::dpi {

namespace {

bool startsWith(std::span<const uint8_t> bytes, const void* magic, size_t len) noexcept {
    return bytes.size() >= len && std::memcmp(bytes.data(), magic, len) == 0;
}

// Text as far as the sniffed bytes show: no control bytes but whitespace and ESC (bytes of
// 0x80 and above are UTF-8 or a legacy code page such as GBK: both text).
bool looksLikeText(std::span<const uint8_t> bytes) noexcept {
    if (bytes.empty()) return false;
    for (const uint8_t b : bytes) {
        if (b >= 0x20 && b != 0x7f) continue;
        if (b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == 0x1b) continue;
        return false;
    }
    return true;
}

} // namespace

FileType sniffFileType(std::span<const uint8_t> first) noexcept {
    struct Magic {
        const char* bytes;
        size_t len;
        FileType type;
    };
    static constexpr Magic kMagic[] = {
        {"PK\3\4", 4, FileType::Zip},
        {"PK\5\6", 4, FileType::Zip},         // an empty archive: its end record alone
        {"PK\7\x08PK\3\4", 8, FileType::Zip}, // a spanned archive's marker, then the entries
        {"%PDF-", 5, FileType::Pdf},
        {"{\\rtf", 5, FileType::Rtf},
        {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, FileType::Ole2},
        {"\x1f\x8b\x08", 3, FileType::Gzip},
        {"7z\xbc\xaf\x27\x1c", 6, FileType::SevenZip},
        {"Rar!\x1a\x07", 6, FileType::Rar}, // RAR 4 (then 00) and RAR 5 (then 01 00)
        // UTF-16 and UTF-8 byte order marks: text, whatever control bytes follow in UTF-16.
        {"\xff\xfe", 2, FileType::Text},
        {"\xfe\xff", 2, FileType::Text},
    };
    for (const Magic& m : kMagic)
        if (startsWith(first, m.bytes, m.len)) return m.type;
    return looksLikeText(first) ? FileType::Text : FileType::Binary;
}

FileType zipTypeFromEntryName(FileType current, std::string_view name) noexcept {
    if (current != FileType::Zip) return current; // decided already (or not a plain ZIP)
    if (name.starts_with("word/")) return FileType::Docx;
    if (name.starts_with("xl/")) return FileType::Xlsx;
    if (name.starts_with("ppt/")) return FileType::Pptx;
    return current;
}

std::optional<FileType> openDocumentType(std::string_view media_type) noexcept {
    // Templates (…text-template) are documents of the same kind.
    constexpr std::string_view kPrefix = "application/vnd.oasis.opendocument.";
    if (!media_type.starts_with(kPrefix)) return std::nullopt;
    const std::string_view kind = media_type.substr(kPrefix.size());
    if (kind.starts_with("text")) return FileType::Odt;
    if (kind.starts_with("spreadsheet")) return FileType::Ods;
    if (kind.starts_with("presentation")) return FileType::Odp;
    return std::nullopt;
}

} // namespace egressmon::dpi
