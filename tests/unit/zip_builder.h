#pragma once
// Small ZIP archives for tests above the ZIP walker: stored entries (optionally flagged
// encrypted, whose bytes the walker then skips), with a central directory and end record, as
// any writer lays them out.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

namespace egressmon::test {

struct ZipEntrySpec {
    std::string name;
    std::string data;
    bool encrypted = false; // flag bit 0: the data is taken as ciphertext
};

inline std::string zipLe(uint64_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return out;
}

inline std::string storedZip(const std::vector<ZipEntrySpec>& entries) {
    std::string body, directory;
    for (const ZipEntrySpec& e : entries) {
        const uint32_t crc = static_cast<uint32_t>(crc32(
            0, reinterpret_cast<const Bytef*>(e.data.data()), static_cast<uInt>(e.data.size())));
        const uint16_t flags = e.encrypted ? 1 : 0;
        const std::string common = zipLe(20, 2) + zipLe(flags, 2) + zipLe(0, 2) + zipLe(0, 4) +
                                   zipLe(crc, 4) + zipLe(e.data.size(), 4) +
                                   zipLe(e.data.size(), 4) + zipLe(e.name.size(), 2) + zipLe(0, 2);
        directory += "PK\1\2" + zipLe(20, 2) + common + zipLe(0, 2) + zipLe(0, 2) + zipLe(0, 2) +
                     zipLe(0, 4) + zipLe(body.size(), 4) + e.name;
        body += "PK\3\4" + common + e.name + e.data;
    }
    return body + directory + "PK\5\6" + zipLe(0, 4) + zipLe(entries.size(), 2) +
           zipLe(entries.size(), 2) + zipLe(directory.size(), 4) + zipLe(body.size(), 4) +
           zipLe(0, 2);
}

} // namespace egressmon::test
