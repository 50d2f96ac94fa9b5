// The file-name decoders (dpi/decode/mime/mime_param.h, dpi/decode/http/http_body_file_name.h)
// on hostile header values and request targets: RFC 2231 sections, RFC 2047 words, percent
// escapes, charsets through iconv, raw 8-bit bytes.
//
// Input: [mode] then the text. mode bit 0: the parameter looked up is "name", else "filename".
// Every input runs mimeFileNameParam, requestTargetFileName, appendEncodedWordsAsUtf8 and
// appendExtendedValueAsUtf8 on the text. Checks: every output is valid UTF-8; the two names are
// at most kMaxMimeFileName bytes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dpi/decode/http/http_body_file_name.h"
#include "dpi/decode/mime/mime_charset.h"
#include "dpi/decode/mime/mime_param.h"
#include "fuzz_input.h"

using namespace egressmon;

namespace {

void checkName(const std::string& name) {
    if (!dpi::isValidUtf8(name) || name.size() > dpi::kMaxMimeFileName) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t mode = in.u8();
    const auto rest = in.rest();
    const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());

    checkName(dpi::mimeFileNameParam(text, (mode & 1) != 0 ? "name" : "filename"));
    checkName(dpi::requestTargetFileName(text));

    std::string words;
    dpi::appendEncodedWordsAsUtf8(text, words);
    if (!dpi::isValidUtf8(words)) std::abort();
    std::string extended;
    dpi::appendExtendedValueAsUtf8(text, extended);
    if (!dpi::isValidUtf8(extended)) std::abort();
    return 0;
}
