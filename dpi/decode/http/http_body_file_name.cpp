#include "dpi/decode/http/http_body_file_name.h"

#include <cstdint>
#include <new>

#include "dpi/content/content_percent_decoder.h"
#include "dpi/decode/mime/mime_charset.h"
#include "dpi/decode/mime/mime_param.h"

namespace egressmon::dpi {

namespace {

// The path of an absolute-form target ("http://host/a/b" -> "/a/b"); other forms as given.
std::string_view originPath(std::string_view target) noexcept {
    for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
        if (target.size() < scheme.size() || !equalsNoCase(target.substr(0, scheme.size()), scheme))
            continue;
        const std::string_view after = target.substr(scheme.size());
        const size_t slash = after.find('/');
        return slash == std::string_view::npos ? std::string_view{} : after.substr(slash);
    }
    return target;
}

} // namespace

std::string requestTargetFileName(std::string_view target) {
    const std::string_view path = originPath(target.substr(0, target.find_first_of("?#")));
    if (path.empty() || path.front() != '/') return {}; // "*", CONNECT's authority
    const std::string_view segment = path.substr(path.rfind('/') + 1);
    if (segment.empty()) return {};
    std::string bytes;
    PercentDecoder decoder(PercentDecoder::Plus::Literal); // '+' is a '+' in a path
    decoder.decode(reinterpret_cast<const uint8_t*>(segment.data()), segment.size(), bytes);
    decoder.finish(bytes);
    if (bytes == "." || bytes == "..") return {};
    std::string name;
    appendUnlabelledAsUtf8(bytes, name);
    truncateUtf8(name, kMaxMimeFileName);
    return name;
}

std::string httpBodyFileName(const HttpHead& head, bool request) noexcept {
    std::string name = mimeFileNameParam(head.disposition, "filename");
    if (!name.empty() || !request || head.kind != ContentKind::Other) return name;
    try {
        return requestTargetFileName(head.target);
    } catch (const std::bad_alloc&) {
        return {};
    }
}

} // namespace egressmon::dpi
