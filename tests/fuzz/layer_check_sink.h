#pragma once
// A DecodedLayerSink for the stream decoder targets: enforces the sink contract (data and end
// only for open layers, each layer ended once, no empty piece) by aborting, so libFuzzer reports
// a violation as a crash, and records each layer's bytes so that two ways of feeding the same
// stream can be compared.

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dpi/decoded_layer_sink.h"

namespace egressmon::fuzz {

class LayerCheckSink final : public dpi::DecodedLayerSink {
  public:
    // max_open: how many layers may be open at once before beginLayer refuses (kNoLayer), as
    // the inspector does when nesting gets deeper than it tracks.
    explicit LayerCheckSink(size_t max_open = SIZE_MAX) : max_open_(max_open) {}

    dpi::LayerId beginLayer(const char* name) noexcept override {
        if (name == nullptr) std::abort();
        if (open_.size() >= max_open_) return dpi::kNoLayer;
        layers_.emplace_back(name, std::string());
        const auto id = static_cast<dpi::LayerId>(layers_.size()); // ids start at 1
        open_.emplace(id, layers_.size() - 1);
        return id;
    }
    void layerData(dpi::LayerId id, const uint8_t* data, uint32_t len) noexcept override {
        if (id == dpi::kNoLayer) return;
        const auto it = open_.find(id);
        if (it == open_.end()) std::abort(); // data for a layer not open
        if (len == 0 || data == nullptr) std::abort();
        std::string& bytes = layers_[it->second].second;
        // Only a bounded prefix is kept: enough to compare, cheap on decompressed bodies.
        if (bytes.size() < kMaxKept)
            bytes.append(reinterpret_cast<const char*>(data),
                         std::min<size_t>(len, kMaxKept - bytes.size()));
    }
    void endLayer(dpi::LayerId id) noexcept override {
        if (id == dpi::kNoLayer) return;
        if (open_.erase(id) != 1) std::abort(); // ended twice, or never begun
    }

    size_t openCount() const { return open_.size(); }
    // Every layer in begin order with its bytes: equal for equal decodings.
    std::string render() const {
        std::string out;
        for (const auto& [name, bytes] : layers_)
            out += "<" + name + ">" + bytes + "\n";
        return out;
    }

  private:
    static constexpr size_t kMaxKept = 64 * 1024;
    size_t max_open_;
    std::vector<std::pair<std::string, std::string>> layers_;
    std::map<dpi::LayerId, size_t> open_; // id -> index in layers_
};

} // namespace egressmon::fuzz
