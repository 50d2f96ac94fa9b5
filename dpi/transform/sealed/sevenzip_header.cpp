#include "dpi/transform/sealed/sevenzip_header.h"

namespace egressmon::dpi {

namespace {

// Property ids (7zFormat.txt).
enum : uint8_t {
    kEnd = 0x00,
    kHeader = 0x01,
    kArchiveProperties = 0x02,
    kAdditionalStreamsInfo = 0x03,
    kMainStreamsInfo = 0x04,
    kFilesInfo = 0x05,
    kPackInfo = 0x06,
    kUnPackInfo = 0x07,
    kSubStreamsInfo = 0x08,
    kSize = 0x09,
    kCRC = 0x0A,
    kFolder = 0x0B,
    kCodersUnPackSize = 0x0C,
    kEncodedHeader = 0x17,
};

// 7-Zip caps a folder at 64 coders and 64 streams; so does this reader.
constexpr uint64_t kMaxCoders = 64;

// Reads the header's bytes; any read past the end clears ok() and returns 0.
class Reader {
  public:
    explicit Reader(std::span<const uint8_t> bytes) : b_(bytes) {}
    bool ok() const { return ok_; }
    size_t pos() const { return pos_; }
    size_t left() const { return ok_ ? b_.size() - pos_ : 0; }

    uint8_t byte() {
        if (!ok_ || pos_ >= b_.size()) return fail();
        return b_[pos_++];
    }
    // 7z's NUMBER: the first byte's leading 1 bits say how many little-endian bytes follow;
    // its remaining bits are the value's highest.
    uint64_t number() {
        const uint8_t first = byte();
        uint64_t value = 0;
        uint8_t mask = 0x80;
        for (int i = 0; i < 8; ++i, mask >>= 1) {
            if ((first & mask) == 0)
                return value | static_cast<uint64_t>(first & (mask - 1)) << (8 * i);
            value |= static_cast<uint64_t>(byte()) << (8 * i);
        }
        return value;
    }
    uint32_t u32() {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v |= static_cast<uint32_t>(byte()) << (8 * i);
        return v;
    }
    void skip(uint64_t n) {
        if (n > left()) {
            fail();
            return;
        }
        pos_ += static_cast<size_t>(n);
    }
    // A count of items each taking at least `min_bytes`: more than the bytes left is corrupt
    // (and would otherwise size a vector from an attacker's number).
    uint64_t count(uint64_t min_bytes = 1) {
        const uint64_t n = number();
        if (n > left() / min_bytes) return fail();
        return n;
    }
    uint8_t fail() {
        ok_ = false;
        return 0;
    }

  private:
    std::span<const uint8_t> b_;
    size_t pos_ = 0;
    bool ok_ = true;
};

// Digests of `n` items: all-defined byte or a bit vector, then a CRC32 per defined item. The
// first item's CRC (when defined) is returned through `first`.
void readDigests(Reader& r, uint64_t n, bool& first_defined, uint32_t& first) {
    first_defined = false;
    uint64_t defined = n;
    std::vector<bool> bits;
    if (r.byte() == 0) {
        defined = 0;
        bits.resize(static_cast<size_t>(n));
        uint8_t mask = 0, b = 0;
        for (uint64_t i = 0; i < n && r.ok(); ++i) {
            if (mask == 0) b = r.byte(), mask = 0x80;
            bits[static_cast<size_t>(i)] = (b & mask) != 0;
            defined += bits[static_cast<size_t>(i)];
            mask >>= 1;
        }
    }
    if (defined > r.left() / 4) {
        r.fail();
        return;
    }
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        if (!bits.empty() && !bits[static_cast<size_t>(i)]) continue;
        const uint32_t crc = r.u32();
        if (i == 0) first_defined = true, first = crc;
    }
}

void readPackInfo(Reader& r, SevenZipStreams& s) {
    s.pack_pos = r.number();
    const uint64_t n = r.count();
    for (;;) {
        const uint8_t id = r.byte();
        if (!r.ok() || id == kEnd) return;
        if (id == kSize) {
            s.pack_sizes.reserve(static_cast<size_t>(n));
            for (uint64_t i = 0; i < n && r.ok(); ++i)
                s.pack_sizes.push_back(r.number());
        } else if (id == kCRC) {
            bool defined;
            uint32_t crc;
            readDigests(r, n, defined, crc);
        } else {
            r.fail();
        }
    }
}

void readFolder(Reader& r, SevenZipFolder& f, std::span<const uint8_t> bytes, bool& aes) {
    const uint64_t coders = r.count();
    if (coders == 0 || coders > kMaxCoders) {
        r.fail();
        return;
    }
    uint64_t in_total = 0;
    for (uint64_t i = 0; i < coders && r.ok(); ++i) {
        SevenZipCoder c;
        const uint8_t flags = r.byte();
        const size_t id_size = flags & 0x0F;
        if (flags & 0x80) { // alternative methods: never written, refused by 7-Zip
            r.fail();
            return;
        }
        const size_t id_at = r.pos();
        r.skip(id_size);
        if (!r.ok()) return;
        if (id_size <= 8)
            for (size_t k = 0; k < id_size; ++k)
                c.id = c.id << 8 | bytes[id_at + k];
        if (flags & 0x10) {
            c.in_streams = r.number();
            c.out_streams = r.number();
            if (c.in_streams > kMaxCoders || c.out_streams > kMaxCoders) {
                r.fail();
                return;
            }
        }
        if (flags & 0x20) {
            c.props_size = static_cast<size_t>(r.count());
            c.props_at = r.pos();
            r.skip(c.props_size);
        }
        if (c.id == k7zAes) aes = true;
        in_total += c.in_streams;
        f.out_streams += c.out_streams;
        f.coders.push_back(c);
    }
    if (!r.ok() || f.out_streams == 0) {
        r.fail();
        return;
    }
    const uint64_t bind_pairs = f.out_streams - 1;
    if (bind_pairs > in_total) {
        r.fail();
        return;
    }
    for (uint64_t i = 0; i < bind_pairs && r.ok(); ++i)
        r.number(), r.number(); // in index, out index
    f.packed_streams = in_total - bind_pairs;
    if (f.packed_streams > 1)
        for (uint64_t i = 0; i < f.packed_streams && r.ok(); ++i)
            r.number();
}

void readUnpackInfo(Reader& r, SevenZipStreams& s, std::span<const uint8_t> bytes, bool& aes) {
    if (r.byte() != kFolder) {
        r.fail();
        return;
    }
    const uint64_t n = r.count(2);
    if (r.byte() != 0) { // folders stored in an additional stream: never written by 7-Zip
        r.fail();
        return;
    }
    s.folders.reserve(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n && r.ok(); ++i)
        readFolder(r, s.folders.emplace_back(), bytes, aes);
    if (!r.ok() || r.byte() != kCodersUnPackSize) {
        r.fail();
        return;
    }
    for (const SevenZipFolder& f : s.folders)
        for (uint64_t i = 0; i < f.out_streams && r.ok(); ++i)
            s.unpack_sizes.push_back(r.number());
    for (;;) {
        const uint8_t id = r.byte();
        if (!r.ok() || id == kEnd) return;
        if (id != kCRC) {
            r.fail();
            return;
        }
        readDigests(r, n, s.folder_crc_defined, s.folder_crc);
    }
}

// A StreamsInfo up to its end, or up to kSubStreamsInfo (which holds no coders).
void readStreams(Reader& r, SevenZipStreams& s, std::span<const uint8_t> bytes, bool& aes) {
    for (;;) {
        const uint8_t id = r.byte();
        if (!r.ok() || id == kEnd || id == kSubStreamsInfo) return;
        if (id == kPackInfo)
            readPackInfo(r, s);
        else if (id == kUnPackInfo)
            readUnpackInfo(r, s, bytes, aes);
        else
            r.fail();
    }
}

} // namespace

SevenZipHeader parseSevenZipHeader(std::span<const uint8_t> bytes) {
    SevenZipHeader h;
    Reader r(bytes);
    const uint8_t kind = r.byte();
    if (kind == kEncodedHeader) {
        readStreams(r, h.encoded, bytes, h.aes);
        if (r.ok()) h.kind = SevenZipHeader::Kind::Encoded;
        return h;
    }
    if (kind != kHeader) return h;
    uint8_t id = r.byte();
    if (id == kArchiveProperties) {
        for (;;) {
            const uint8_t type = r.byte();
            if (!r.ok() || type == 0) break;
            r.skip(r.number());
        }
        id = r.byte();
    }
    SevenZipStreams ignored;
    if (id == kAdditionalStreamsInfo) {
        readStreams(r, ignored, bytes, h.aes);
        id = r.byte();
    }
    if (id == kMainStreamsInfo)
        readStreams(r, ignored, bytes, h.aes);
    else if (id != kFilesInfo && id != kEnd)
        r.fail();
    if (r.ok()) h.kind = SevenZipHeader::Kind::Header;
    return h;
}

} // namespace egressmon::dpi
