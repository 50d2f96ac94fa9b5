#pragma once
// A tiny tar writer for tests: header blocks of each format, with their checksum, and data padded
// to 512 bytes, so tests can build exactly the archive a case needs (odd sizes, bad checksums,
// base-256 sizes) without files on disk.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace egressmon::test {

enum class TarFormat { Posix, Gnu, V7 };

struct TarHeader {
    std::string name;
    uint64_t size = 0;
    char type = '0';
    TarFormat format = TarFormat::Posix;
    std::string prefix;           // ustar only
    bool base256_size = false;    // GNU's binary size field
    bool signed_checksum = false; // the sum of signed bytes (old tars)
    int checksum_delta = 0;       // a wrong checksum
};

inline std::string octal(uint64_t v, size_t width) { // width - 1 digits and a NUL
    std::string digits(width - 1, '0');
    for (size_t i = width - 1; i-- > 0; v >>= 3)
        digits[i] = static_cast<char>('0' + (v & 7));
    return digits + '\0';
}

inline std::string tarHeader(const TarHeader& h) {
    std::string b(512, '\0');
    const auto put = [&](size_t at, std::string_view s) { b.replace(at, s.size(), s); };
    put(0, h.name.substr(0, 100));
    put(100, octal(0644, 8));
    put(108, octal(1000, 8));
    put(116, octal(1000, 8));
    if (h.base256_size) {
        b[124] = static_cast<char>(0x80);
        for (int i = 0; i < 8; ++i)
            b[135 - i] = static_cast<char>((h.size >> (8 * i)) & 0xff);
    } else {
        put(124, octal(h.size, 12));
    }
    put(136, octal(1715938200, 12));
    b[156] = h.type;
    if (h.format == TarFormat::Posix) {
        put(257, std::string("ustar\0"
                             "00",
                             8));
        put(345, h.prefix.substr(0, 155));
    } else if (h.format == TarFormat::Gnu) {
        put(257, std::string("ustar  \0", 8));
    }
    put(148, "        ");
    int64_t sum = 0;
    for (char c : b)
        sum += h.signed_checksum ? static_cast<int8_t>(c) : static_cast<uint8_t>(c);
    sum += h.checksum_delta;
    put(148, octal(static_cast<uint64_t>(sum), 7) + ' '); // six digits, NUL, space
    return b;
}

inline std::string tarPadded(std::string_view data) {
    std::string out(data);
    out.append((512 - data.size() % 512) % 512, '\0');
    return out;
}

// A header and its padded data.
inline std::string tarEntry(TarHeader h, std::string_view data) {
    h.size = data.size();
    return tarHeader(h) + tarPadded(data);
}
inline std::string tarFile(std::string name, std::string_view data,
                           TarFormat format = TarFormat::Posix) {
    TarHeader h;
    h.name = std::move(name);
    h.format = format;
    return tarEntry(h, data);
}
// A GNU 'L' entry naming the next one.
inline std::string gnuLongName(std::string_view name) {
    TarHeader h;
    h.name = "././@LongLink";
    h.type = 'L';
    h.format = TarFormat::Gnu;
    return tarEntry(h, std::string(name) + '\0');
}
// A pax record "<len> key=value\n", its length counting itself.
inline std::string paxRecord(std::string_view key, std::string_view value) {
    const size_t body = 1 + key.size() + 1 + value.size() + 1; // " key=value\n"
    size_t len = body + 1;
    while (std::to_string(len).size() + body != len)
        ++len;
    return std::to_string(len) + " " + std::string(key) + "=" + std::string(value) + "\n";
}
inline std::string paxHeader(std::string_view records, char type = 'x') {
    TarHeader h;
    h.name = "././@PaxHeader";
    h.type = type;
    return tarEntry(h, records);
}
inline std::string tarEnd() {
    return std::string(1024, '\0');
}

} // namespace egressmon::test
