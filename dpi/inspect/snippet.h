#pragma once
// Makes the payload excerpt of an alert safe to leave the sensor.
// Pure function, unit-tested; runs on the worker when an alert is raised.

#include <cstddef>
#include <string>

namespace egressmon::dpi {

// In place: every ASCII digit becomes '*' except those in [keep_from, keep_to) (the last four
// characters of a validated match), so no other card or ID number rides along in the context;
// bytes that are not printable ASCII or part of a complete UTF-8 character become '.', so JSON
// escaping never turns one payload byte into several (the width bound holds in the record too).
void sanitizeSnippet(std::string& snippet, size_t keep_from, size_t keep_to);

} // namespace egressmon::dpi
