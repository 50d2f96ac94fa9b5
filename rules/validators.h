#pragma once
// Post-match checks on the matched text, to keep number-shaped noise out of alerts.
// Pure functions, noexcept, used on the packet path.

#include <string_view>

namespace egressmon::rules {

// Payment card number: 13..19 digits (spaces and dashes between digits ignored) passing Luhn.
bool luhnValid(std::string_view text) noexcept;

// Chinese resident identity number (GB 11643-1999): 17 digits + check character (0-9 or X),
// ISO 7064 MOD 11-2, with a plausible birth date (YYYYMMDD at positions 7..14).
bool gb11643Valid(std::string_view text) noexcept;

} // namespace egressmon::rules
