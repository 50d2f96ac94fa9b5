#pragma once
// The file name a MIME or HTTP header parameter carries (Content-Disposition `filename`,
// Content-Type `name`), decoded to UTF-8 the way mail clients and browsers actually encode it:
//
//   - RFC 2231 / RFC 5987 extended values: filename*=UTF-8'en'%E7%BB%9D%E5%AF%86.docx, and
//     continuations filename*0*=...; filename*1="..." joined in index order (at most
//     kMaxMimeParamSections, up to the first missing index); an extended form wins over the
//     plain one.
//   - RFC 2047 encoded words inside a plain (usually quoted) value, as Outlook and Thunderbird
//     send: "=?UTF-8?B?...?=", "=?GBK?Q?...?=", several words with the whitespace between
//     adjacent words dropped and their bytes joined before conversion (clients split a
//     character across words).
//   - Raw 8-bit bytes: kept when valid UTF-8, otherwise read as GB18030 (mime_charset.h).
//
// Quoted strings: a backslash escapes only '"' and '\\'; any other backslash is kept, because
// browsers send Windows paths ("C:\Users\a\b.docx") unescaped in form-data filenames.
// Malformed input (bad percent escapes, unterminated words, unknown charsets, missing sections)
// gives the bytes as sent, converted as far as they go, never an error.
//
// Thread: any; no state. noexcept: on std::bad_alloc the name is empty.

#include <cstddef>
#include <string>
#include <string_view>

#include "dpi/decode/mime/mime_header.h"

namespace egressmon::dpi {

// RFC 2231 continuations beyond this are ignored (the name is bounded anyway).
inline constexpr size_t kMaxMimeParamSections = 64;

// The parameter `name` of a header value ("attachment; filename*=..."), decoded to valid UTF-8
// and cut on a character boundary to at most kMaxMimeFileName bytes; empty when absent.
std::string mimeFileNameParam(std::string_view value, std::string_view name) noexcept;

// Helpers, exposed for tests. Both append valid UTF-8 to `out`; may throw std::bad_alloc.
// RFC 2047 words in `text`; text outside them as unlabelled bytes. Stops decoding words once
// `out` holds more than kMaxMimeFileName bytes.
void appendEncodedWordsAsUtf8(std::string_view text, std::string& out);
// An RFC 2231 extended value: charset'language'percent-encoded bytes.
void appendExtendedValueAsUtf8(std::string_view value, std::string& out);

} // namespace egressmon::dpi
