#pragma once
// nDPI 4.2 stores an HTTP request's URL as Host header + request target ("example.com/a?b")
// unless the target is already absolute (a proxy request) or the method is CONNECT. EVE's
// http.url is the request target as sent, so the Host prefix is taken off again here.

#include <string_view>

namespace egressmon::dpi {

// Pure function: "example.com:8080/a?b" -> "/a?b"; "http://x/y" and "host:443" (CONNECT) are
// returned unchanged.
std::string_view requestTargetFromNdpiUrl(std::string_view ndpi_url);

} // namespace egressmon::dpi
