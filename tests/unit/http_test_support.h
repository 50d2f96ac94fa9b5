#pragma once
// Test helpers for the HTTP decoder and content decoders: a sink recording layers as
// (name, concatenated bytes) in begin order, zlib compression, and "split everywhere" feeding.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <zlib.h>

#include "dpi/decode/decoded_layer_sink.h"

namespace egressmon::dpi::test {

using Layers = std::vector<std::pair<std::string, std::string>>;

class RecordingSink : public DecodedLayerSink {
  public:
    LayerId beginLayer(const LayerInfo& info, LayerId parent) noexcept override {
        layers.emplace_back(info.type, std::string());
        parents.push_back(parent);
        file_names.emplace_back(info.file_name);
        const LayerId id = next_++;
        ids.push_back(id);
        open_[id] = layers.size() - 1;
        return id;
    }
    void layerData(LayerId id, const uint8_t* data, uint32_t len) noexcept override {
        auto it = open_.find(id);
        EXPECT_NE(it, open_.end()) << "data for a layer not open";
        if (it != open_.end())
            layers[it->second].second.append(reinterpret_cast<const char*>(data), len);
    }
    void layerGap(LayerId id, uint64_t missing) noexcept override {
        auto it = open_.find(id);
        EXPECT_NE(it, open_.end()) << "gap in a layer not open";
        if (it != open_.end()) layers[it->second].second += "<gap " + std::to_string(missing) + ">";
    }
    void endLayer(LayerId id) noexcept override {
        EXPECT_EQ(open_.erase(id), 1u) << "end of a layer not open";
    }
    size_t openCount() const { return open_.size(); }

    Layers layers;
    // Per layer, in begin order: its sink id, its parent's (kNoLayer: a root), its file name.
    std::vector<LayerId> ids;
    std::vector<LayerId> parents;
    std::vector<std::string> file_names;
    // The index in `layers` of the layer the layer at `index` was decoded from, or -1.
    int parentIndex(size_t index) const {
        for (size_t i = 0; i < ids.size(); ++i)
            if (ids[i] == parents[index]) return static_cast<int>(i);
        return -1;
    }

  private:
    std::map<LayerId, size_t> open_;
    LayerId next_ = 1;
};

// windowBits: 31 gzip, 15 zlib, -15 raw deflate.
inline std::string compress(std::string_view in, int window_bits) {
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&z, in.size()) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}
inline std::string gzip(std::string_view in) {
    return compress(in, 31);
}

inline std::string chunked(std::string_view body, size_t chunk) {
    std::string out;
    char size[32];
    for (size_t off = 0; off < body.size(); off += chunk) {
        const size_t n = std::min(chunk, body.size() - off);
        snprintf(size, sizeof size, "%zx", n);
        out += size;
        out += off == 0 ? ";ext=1\r\n" : "\r\n";
        out.append(body.substr(off, n));
        out += "\r\n";
    }
    return out + "0\r\nX-Trailer: 1\r\n\r\n";
}

// Runs `feed` over `input` cut into the given pieces and returns what it produced.
using Feeder = std::function<std::string(const std::vector<std::string_view>&)>;

// Whole, every two-piece split, and byte by byte must give the same result; returns it.
inline std::string expectSplitInvariant(std::string_view input, const Feeder& feed) {
    const std::string whole = feed({input});
    for (size_t cut = 0; cut <= input.size(); ++cut) {
        EXPECT_EQ(feed({input.substr(0, cut), input.substr(cut)}), whole) << "split at " << cut;
    }
    std::vector<std::string_view> bytes;
    for (size_t i = 0; i < input.size(); ++i)
        bytes.push_back(input.substr(i, 1));
    EXPECT_EQ(feed(bytes), whole) << "byte by byte";
    return whole;
}

inline const uint8_t* u8(std::string_view s) {
    return reinterpret_cast<const uint8_t*>(s.data());
}

} // namespace egressmon::dpi::test
