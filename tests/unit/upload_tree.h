#pragma once
// A file uploaded as an HTTP request body through the registry of built-in transforms, into a
// sink that records every layer (RecordingSink) and every note about a layer's file: the layer
// tree a test of a file transform looks at.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dpi/transform/layer_node.h"
#include "dpi/transform/transform_registry.h"
#include "http_test_support.h"

namespace egressmon::dpi::test {

struct NotingSink final : RecordingSink {
    void noteFile(LayerId id, const FileNote& note) noexcept override {
        notes.emplace_back(id, note.uninspectable ? note.uninspectable : "");
    }
    std::vector<std::pair<LayerId, std::string>> notes; // (layer, uninspectable reason or "")
};

struct UploadTree {
    explicit UploadTree(std::string_view file_name) {
        ctx.registry = builtinTransforms();
        ctx.sink = &sink;
        LayerInfo info;
        info.type = "http.request.body";
        info.file = true;
        info.file_name = file_name;
        root.prepare(ctx, info, kNoLayer);
    }
    void data(std::string_view bytes) {
        root.data(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    // The index in sink.layers of the last layer of `type`, or -1.
    int layer(std::string_view type) const {
        int found = -1;
        for (size_t i = 0; i < sink.layers.size(); ++i)
            if (sink.layers[i].first == type) found = int(i);
        return found;
    }
    NotingSink sink;
    TransformContext ctx;
    LayerNode root;
};

} // namespace egressmon::dpi::test
