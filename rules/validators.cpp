#include "validators.h"

#include <array>

namespace egressmon::rules {

namespace {

bool isDigit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool isLeapYear(int year) noexcept {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int daysInMonth(int year, int month) noexcept {
    constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && isLeapYear(year) ? 29 : kDays[static_cast<size_t>(month - 1)];
}

int number(std::string_view digits) noexcept {
    int n = 0;
    for (const char c : digits)
        n = n * 10 + (c - '0');
    return n;
}

} // namespace

bool luhnValid(std::string_view text) noexcept {
    // Walk right to left so the doubling starts at the second-to-last digit whatever the length.
    int digits = 0;
    int sum = 0;
    for (size_t i = text.size(); i-- > 0;) {
        const char c = text[i];
        if (c == ' ' || c == '-') {
            // A separator counts only between two digits: "4111 1111", never " 4111" or "1--1".
            if (i == 0 || i + 1 == text.size() || !isDigit(text[i - 1]) || !isDigit(text[i + 1]))
                return false;
            continue;
        }
        if (!isDigit(c)) return false;
        int d = c - '0';
        if (digits % 2 == 1) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
        ++digits;
    }
    return digits >= 13 && digits <= 19 && sum % 10 == 0;
}

bool gb11643Valid(std::string_view text) noexcept {
    constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    constexpr std::string_view kCheck = "10X98765432";
    if (text.size() != 18) return false;
    int sum = 0;
    for (size_t i = 0; i < 17; ++i) {
        if (!isDigit(text[i])) return false;
        sum += (text[i] - '0') * kWeights[i];
    }
    const char last = text[17] == 'x' ? 'X' : text[17];
    if (last != kCheck[static_cast<size_t>(sum % 11)]) return false;

    // Birth date YYYYMMDD at (1-based) positions 7..14: reject numbers that merely checksum.
    const int year = number(text.substr(6, 4));
    const int month = number(text.substr(10, 2));
    const int day = number(text.substr(12, 2));
    if (year < 1900 || year > 2099 || month < 1 || month > 12) return false;
    return day >= 1 && day <= daysInMonth(year, month);
}

} // namespace egressmon::rules
