// The RTF transform through the layer tree (dpi/transform/rtf/rtf_transform.h): a file layer
// starting "{\rtf" gets an "rtf.text" child holding its text, whatever the pieces; bounds and
// holes note the file uninspectable; layers that are not files, or not RTF, are not read.

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/transform/layer_node.h"
#include "dpi/transform/transform_registry.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

class NotingSink final : public test::RecordingSink {
  public:
    void noteFile(LayerId id, const FileNote& note) noexcept override {
        notes.emplace_back(id, note.uninspectable ? note.uninspectable : "");
    }
    std::vector<std::pair<LayerId, std::string>> notes;
};

struct Tree {
    Tree() {
        ctx.registry = builtinTransforms();
        ctx.sink = &sink;
    }
    void run(const std::vector<std::string_view>& pieces, bool file = true) {
        LayerInfo info;
        info.type = "test.file";
        info.file = file;
        info.file_name = "memo.rtf";
        root.prepare(ctx, info, kNoLayer);
        for (std::string_view p : pieces)
            root.data(test::u8(p), p.size());
        root.finish();
    }
    NotingSink sink;
    TransformContext ctx;
    LayerNode root;
};

const std::string kGbk = "{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0 SimSun;}}\\f0 Aurora: "
                         "\\'be\\'f8\\'c3\\'dc\\par\n}\n";

TEST(RtfTransform, FileLayerGetsItsTextAsAChildLayer) {
    const std::string layers =
        test::expectSplitInvariant(kGbk, [](const std::vector<std::string_view>& pieces) {
            Tree t;
            t.run(pieces);
            EXPECT_EQ(t.sink.openCount(), 0u);
            std::string all;
            for (const auto& [type, bytes] : t.sink.layers)
                all += type + "=" + bytes + ";";
            return all;
        });
    EXPECT_EQ(layers, "test.file=" + kGbk + ";rtf.text=Aurora: 绝密\n;");
    Tree t;
    t.run({kGbk});
    ASSERT_EQ(t.sink.layers.size(), 2u);
    EXPECT_EQ(t.sink.parentIndex(1), 0);
    EXPECT_TRUE(t.sink.notes.empty());
    EXPECT_EQ(t.ctx.counters.rtf.documents, 1u);
    EXPECT_EQ(t.ctx.counters.rtf.text_bytes, std::string("Aurora: 绝密\n").size());
}

TEST(RtfTransform, CountsFoldIntoTheWorkersCounters) {
    RtfCounters worker;
    Tree t;
    t.ctx.files.rtf_counters = &worker;
    t.run({"{\\rtf1{\\object{\\objdata 01}}x}"});
    t.ctx.foldFileCounts();
    EXPECT_EQ(worker.documents, 1u);
    EXPECT_EQ(worker.embedded_objects_skipped, 1u);
    EXPECT_EQ(t.ctx.counters.rtf.documents, 0u);
}

TEST(RtfTransform, DepthBoundNotesTheFileUninspectable) {
    Tree t;
    t.ctx.files.rtf.max_depth = 2;
    t.run({"{\\rtf1 a{b{c}}}"});
    ASSERT_EQ(t.sink.layers.size(), 2u);
    EXPECT_EQ(t.sink.layers[1].second, "ab");
    ASSERT_EQ(t.sink.notes.size(), 1u);
    EXPECT_EQ(t.sink.notes[0].first, t.sink.ids[0]);
    EXPECT_EQ(t.sink.notes[0].second, "max-rtf-depth");
    EXPECT_EQ(t.ctx.counters.rtf.depth_exceeded, 1u);
}

TEST(RtfTransform, AHoleEndsTheTextAndIsNoted) {
    Tree t;
    LayerInfo info;
    info.type = "test.file";
    info.file = true;
    t.root.prepare(t.ctx, info, kNoLayer);
    const std::string_view a = "{\\rtf1 before";
    t.root.data(test::u8(a), a.size());
    t.root.gap(10);
    const std::string_view b = " after}";
    t.root.data(test::u8(b), b.size());
    t.root.finish();
    ASSERT_EQ(t.sink.layers.size(), 2u);
    EXPECT_EQ(t.sink.layers[1].second, "before");
    ASSERT_EQ(t.sink.notes.size(), 1u);
    EXPECT_EQ(t.sink.notes[0].second, "gap");
    EXPECT_EQ(t.ctx.counters.rtf.gaps, 1u);
    EXPECT_EQ(t.sink.openCount(), 0u);
}

TEST(RtfTransform, OnlyRtfFilesAreRead) {
    Tree not_file;
    not_file.run({kGbk}, /*file=*/false);
    EXPECT_EQ(not_file.sink.layers.size(), 1u);
    Tree not_rtf;
    not_rtf.run({"{\\rtx1 hello}"});
    EXPECT_EQ(not_rtf.sink.layers.size(), 1u);
}

} // namespace
} // namespace egressmon::dpi
