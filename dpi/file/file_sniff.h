#pragma once
// A file's type from its content. First sniffed from its first bytes (the magic numbers in
// file_sniff.cpp) when its layer begins; a transform that reads the file may refine it later
// from what it finds inside (a ZIP whose entries are `word/...` is a docx, one whose stored
// `mimetype` entry names an OpenDocument text is an odt).
//
// Thread: any; pure functions over bytes.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/file_type.h"

namespace egressmon::dpi {

using core::FileType;

// Bytes of a file's start sniffFileType looks at; fewer are fine (a short file, a lost start).
inline constexpr size_t kFileSniffBytes = 16;
// The type the first bytes say. Empty input (the start was lost) is Binary.
FileType sniffFileType(std::span<const uint8_t> first) noexcept;

// A ZIP's type as its entries show it: OOXML parts live under word/, xl/ and ppt/ (next to
// [Content_Types].xml). `current` is returned unless the name decides.
FileType zipTypeFromEntryName(FileType current, std::string_view entry_name) noexcept;
// OpenDocument packages start with a stored `mimetype` entry naming the document's media type.
std::optional<FileType> openDocumentType(std::string_view media_type) noexcept;

} // namespace egressmon::dpi
