#pragma once
// What a file is, told by its content (never by its name): the type names of the contract
// (INTERFACE.md "Files inside the traffic"), as they appear in `fileinfo.magic`,
// `alert.context.dlp.file.type` and rules' `file: types:`. The inspection stage decides a
// file's type (dpi/file/file_sniff.h); rules name types.
//
// Thread: any; plain data.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace egressmon::core {

enum class FileType : uint8_t {
    Binary, // no magic known, not text
    Text,
    Zip,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
    Pdf,
    Rtf,
    Ole2,
    Gzip,
    Tar,
    SevenZip,
    Rar,
};
inline constexpr size_t kFileTypeCount = 16;

// "binary", "text", "zip", "docx", ... "7z", "rar".
const char* fileTypeName(FileType type) noexcept;
// The type a rule names; nullopt for an unknown name.
std::optional<FileType> fileTypeByName(std::string_view name) noexcept;
// Every name, comma-separated, for messages.
const char* fileTypeNames() noexcept;

} // namespace egressmon::core
