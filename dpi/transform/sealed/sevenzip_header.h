#pragma once
// What a 7z header says about encryption ("7z Format" in 7-Zip's DOC/7zFormat.txt): the coder
// list of every folder in its streams, and, for a kEncodedHeader, where the packed bytes of the
// real header lie and how they are coded. A side-effect-free parse of bytes already held; the
// reading of the file and the decoding belong to SevenZipProbe.
//
//   kHeader: [kArchiveProperties] [kAdditionalStreamsInfo StreamsInfo]
//            [kMainStreamsInfo StreamsInfo] [kFilesInfo ...] kEnd
//   kEncodedHeader: StreamsInfo (PackInfo, UnpackInfo) of one folder whose output is a header
//   StreamsInfo: [kPackInfo PackPos NumPackStreams [kSize sizes] [kCRC digests] kEnd]
//                [kUnPackInfo kFolder NumFolders External Folder... kCodersUnPackSize sizes
//                 [kCRC digests] kEnd] [kSubStreamsInfo ...] kEnd
//
// The walk stops where the coders are all known (at kSubStreamsInfo, kFilesInfo or the end):
// file names and times are not read.
//
// Thread: any. Allocation: the folder and size lists (std::bad_alloc propagates).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace egressmon::dpi {

// Coder ids as 7-Zip numbers them, read big-endian from their bytes.
constexpr uint64_t k7zAes = 0x06F10701;
constexpr uint64_t k7zLzma = 0x030101;
constexpr uint64_t k7zLzma2 = 0x21;

struct SevenZipCoder {
    uint64_t id = 0;         // ids longer than 8 bytes read as 0 (none of those matter here)
    size_t props_at = 0;     // the coder's properties: offset into the parsed bytes
    size_t props_size = 0;   // ... and length
    uint64_t in_streams = 1; // simple coders: one in, one out
    uint64_t out_streams = 1;
};

struct SevenZipFolder {
    std::vector<SevenZipCoder> coders;
    uint64_t packed_streams = 0; // inputs of the folder fed from packed streams
    uint64_t out_streams = 0;    // sum over the coders
};

struct SevenZipStreams {
    uint64_t pack_pos = 0; // of the first packed stream, from the end of the signature header
    std::vector<uint64_t> pack_sizes;
    std::vector<SevenZipFolder> folders;
    std::vector<uint64_t> unpack_sizes; // every coder out stream of every folder, in order
    bool folder_crc_defined = false;    // of folder 0's output
    uint32_t folder_crc = 0;
};

struct SevenZipHeader {
    enum class Kind : uint8_t { Header, Encoded, Corrupt } kind = Kind::Corrupt;
    bool aes = false;        // some folder's coders include 7zAES
    SevenZipStreams encoded; // Kind::Encoded: how the real header is packed
};

// Parses a header (kHeader or kEncodedHeader, from its first byte). Corrupt: not one, or cut
// short, or a count that the bytes cannot hold.
SevenZipHeader parseSevenZipHeader(std::span<const uint8_t> bytes);

} // namespace egressmon::dpi
