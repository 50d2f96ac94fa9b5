#include "dpi/decode/http/http_url.h"

namespace egressmon::dpi {

std::string_view requestTargetFromNdpiUrl(std::string_view url) {
    if (url.starts_with("http://") || url.starts_with("https://")) return url;
    // The Host header cannot contain '/', so the first '/' starts the request target.
    const auto slash = url.find('/');
    return slash == std::string_view::npos ? url : url.substr(slash);
}

} // namespace egressmon::dpi
