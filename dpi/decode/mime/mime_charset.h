#pragma once
// Bytes in a declared (or undeclared) charset to UTF-8, for the names files were sent under:
// they end up in alert records and in `file: names:` globs, which are UTF-8. Conversion uses
// glibc iconv for the charsets mail clients and browsers actually label names with (utf-8,
// us-ascii, iso-8859-1, windows-1252, gbk, gb2312, gb18030, big5); GBK and GB2312 are read as
// GB18030, their superset, because clients labelled gb2312 routinely send GBK characters.
// Anything that cannot be converted becomes U+FFFD, so the output is always valid UTF-8.
//
// Thread: any. Each thread keeps its own iconv handles (one per charset, opened on first use,
// closed at thread exit): no state is shared. Failure: only std::bad_alloc may escape.

#include <cstddef>
#include <string>
#include <string_view>

namespace egressmon::dpi {

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool isValidUtf8(std::string_view s) noexcept;

// Appends `bytes`, declared to be in `charset` (any case; an RFC 2231 "*lang" suffix allowed),
// to `out` as UTF-8. A charset not in the list above (or empty): valid UTF-8 is kept, each
// invalid byte becomes U+FFFD. Undecodable sequences in a known charset become U+FFFD.
void appendCharsetAsUtf8(std::string_view charset, std::string_view bytes, std::string& out);

// Appends bytes that came with no charset label (raw 8-bit header text, a URL path): kept when
// valid UTF-8, otherwise read as GB18030 (what Chinese mail clients and browsers send).
void appendUnlabelledAsUtf8(std::string_view bytes, std::string& out);

// Cuts `s` (valid UTF-8) to at most `max` bytes without splitting a character.
void truncateUtf8(std::string& s, size_t max) noexcept;

} // namespace egressmon::dpi
