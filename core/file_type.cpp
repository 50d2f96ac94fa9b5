#include "core/file_type.h"

#include <array>

namespace egressmon::core {

namespace {
constexpr std::array<const char*, kFileTypeCount> kNames = {
    "binary", "text", "zip", "docx", "xlsx", "pptx", "odt", "ods",
    "odp",    "pdf",  "rtf", "ole2", "gzip", "tar",  "7z",  "rar",
};
} // namespace

const char* fileTypeName(FileType type) noexcept {
    const auto i = static_cast<size_t>(type);
    return i < kNames.size() ? kNames[i] : "binary";
}

std::optional<FileType> fileTypeByName(std::string_view name) noexcept {
    for (size_t i = 0; i < kNames.size(); ++i)
        if (name == kNames[i]) return static_cast<FileType>(i);
    return std::nullopt;
}

const char* fileTypeNames() noexcept {
    return "zip, docx, xlsx, pptx, odt, ods, odp, pdf, rtf, ole2, gzip, tar, 7z, rar, text, binary";
}

} // namespace egressmon::core
