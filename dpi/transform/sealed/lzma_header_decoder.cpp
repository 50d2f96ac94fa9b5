#include "dpi/transform/sealed/lzma_header_decoder.h"

#include <algorithm>
#include <lzma.h>
#include <memory>
#include <new>

#include "dpi/transform/sealed/sevenzip_header.h"

namespace egressmon::dpi {

namespace {

// lzma_end on every path out.
struct LzmaStreamEnd {
    void operator()(lzma_stream* s) const noexcept { lzma_end(s); }
};

} // namespace

LzmaHeaderResult decodeLzmaHeader(uint64_t method, std::span<const uint8_t> props,
                                  std::span<const uint8_t> in, size_t out_size,
                                  std::string& out) noexcept {
    lzma_options_lzma options{};
    uint32_t dict = 0;
    lzma_filter filters[2] = {{LZMA_VLI_UNKNOWN, nullptr}, {LZMA_VLI_UNKNOWN, nullptr}};
    if (method == k7zLzma) {
        if (props.size() != 5 || props[0] >= 9 * 5 * 5) return LzmaHeaderResult::Corrupt;
        options.lc = props[0] % 9;
        options.lp = props[0] / 9 % 5;
        options.pb = props[0] / 45;
        dict = static_cast<uint32_t>(props[1]) | static_cast<uint32_t>(props[2]) << 8 |
               static_cast<uint32_t>(props[3]) << 16 | static_cast<uint32_t>(props[4]) << 24;
        filters[0].id = LZMA_FILTER_LZMA1;
    } else if (method == k7zLzma2) {
        if (props.size() != 1 || props[0] > 40) return LzmaHeaderResult::Corrupt;
        dict = props[0] == 40 ? UINT32_MAX : (2u | (props[0] & 1u)) << (props[0] / 2 + 11);
        filters[0].id = LZMA_FILTER_LZMA2;
    } else {
        return LzmaHeaderResult::Unsupported;
    }
    // No match reaches further back than the output is long.
    options.dict_size = std::max<uint32_t>(
        LZMA_DICT_SIZE_MIN,
        static_cast<uint32_t>(std::min<uint64_t>(dict, std::max<size_t>(out_size, 1))));
    filters[0].options = &options;

    lzma_stream stream = LZMA_STREAM_INIT;
    switch (lzma_raw_decoder(&stream, filters)) {
    case LZMA_OK: break;
    case LZMA_MEM_ERROR: return LzmaHeaderResult::NoMemory;
    default: return LzmaHeaderResult::Unsupported; // lc + lp > 4: liblzma cannot
    }
    const std::unique_ptr<lzma_stream, LzmaStreamEnd> owner(&stream);
    try {
        out.resize(out_size);
    } catch (const std::bad_alloc&) {
        return LzmaHeaderResult::NoMemory;
    }
    stream.next_in = in.data();
    stream.avail_in = in.size();
    stream.next_out = reinterpret_cast<uint8_t*>(out.data());
    stream.avail_out = out_size;
    while (stream.avail_out > 0) {
        const size_t before = stream.avail_in + stream.avail_out;
        const lzma_ret ret = lzma_code(&stream, LZMA_RUN);
        if (ret == LZMA_MEM_ERROR) return LzmaHeaderResult::NoMemory;
        if (ret != LZMA_OK) break; // the end marker early, or corrupt data
        if (stream.avail_in + stream.avail_out == before) break; // the input ran out
    }
    return stream.avail_out == 0 ? LzmaHeaderResult::Ok : LzmaHeaderResult::Corrupt;
}

} // namespace egressmon::dpi
