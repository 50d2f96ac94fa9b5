// The layer tree (dpi/transform/): a node begins its layer on its first byte, routes it by the
// registry (LayerInfo, magic bytes held while needed), tells the sink each layer's parent, and
// passes holes, ends and aborts down the tree.

#include <cctype>
#include <span>
#include <string>

#include <gtest/gtest.h>

#include "dpi/transform/layer_node.h"
#include "dpi/transform/transform_registry.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

// A test format: "magic" at the start; its transform writes the bytes upper-cased into
// "test.upper" (of kind Other, so it is not routed again), and passes holes and ends on.
class UpperTransform final : public Transform {
  public:
    UpperTransform(TransformContext& ctx, const LayerInfo& in, LayerId parent) {
        LayerInfo out = in;
        out.type = "test.upper";
        out.file_name = "inner.txt";
        out.kind = ContentKind::Other;
        out_.prepare(ctx, out, parent);
    }
    void feed(const uint8_t* data, size_t len) noexcept override {
        std::string up(reinterpret_cast<const char*>(data), len);
        for (char& c : up)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out_.data(reinterpret_cast<const uint8_t*>(up.data()), up.size());
    }
    void gap(uint64_t missing) noexcept override { out_.gap(missing); }
    void finish() noexcept override { out_.finish(); }
    void abort() noexcept override { out_.abort(); }

  private:
    LayerNode out_;
};

bool magicApplies(const LayerInfo&, std::span<const uint8_t> first) noexcept {
    return first.size() >= 5 &&
           std::string_view(reinterpret_cast<const char*>(first.data()), 5) == "magic";
}
bool formKindApplies(const LayerInfo& in, std::span<const uint8_t>) noexcept {
    return in.kind == ContentKind::Form;
}
std::unique_ptr<Transform> makeUpper(TransformContext& ctx, const LayerInfo& in, LayerId parent) {
    return std::make_unique<UpperTransform>(ctx, in, parent);
}

constexpr TransformRegistration kByMagic[] = {{"upper", magicApplies, makeUpper, 5}};
constexpr TransformRegistration kByKind[] = {{"upper", formKindApplies, makeUpper, 0}};

struct Tree {
    explicit Tree(std::span<const TransformRegistration> registry) {
        ctx.registry = registry;
        ctx.sink = &sink;
    }
    void open(const LayerInfo& info) { root.prepare(ctx, info, kNoLayer); }
    void feed(std::string_view s) { root.data(test::u8(s), s.size()); }
    test::RecordingSink sink;
    TransformContext ctx;
    LayerNode root;
};

LayerInfo rootInfo(ContentKind kind = ContentKind::Other) {
    LayerInfo info;
    info.type = "test.root";
    info.kind = kind;
    info.file_name = "outer.bin";
    return info;
}

using L = test::Layers;

TEST(LayerNode, MagicBytesSplitAcrossPiecesAreHeldThenRouted) {
    Tree t(kByMagic);
    t.open(rootInfo());
    t.feed("ma");
    EXPECT_TRUE(t.sink.layers.empty()); // held: too few bytes to tell
    t.feed("gic hello");
    t.root.finish();
    EXPECT_EQ(t.sink.layers, L({{"test.root", "magic hello"}, {"test.upper", "MAGIC HELLO"}}));
    EXPECT_EQ(t.sink.parentIndex(0), -1);
    EXPECT_EQ(t.sink.parentIndex(1), 0);
    EXPECT_EQ(t.sink.file_names, (std::vector<std::string>{"outer.bin", "inner.txt"}));
    EXPECT_EQ(t.sink.openCount(), 0u);
}

TEST(LayerNode, OtherBytesAreNotRouted) {
    Tree t(kByMagic);
    t.open(rootInfo());
    t.feed("magiC hello");
    t.root.finish();
    EXPECT_EQ(t.sink.layers, L({{"test.root", "magiC hello"}}));
}

// A layer shorter than the prefix a registration wants: its bytes are passed on at the end.
TEST(LayerNode, LayerShorterThanTheMagicIsPassedOnAtItsEnd) {
    Tree t(kByMagic);
    t.open(rootInfo());
    t.feed("mag");
    t.root.finish();
    EXPECT_EQ(t.sink.layers, L({{"test.root", "mag"}}));
}

TEST(LayerNode, EmptyLayerGivesNoLayer) {
    Tree t(kByKind);
    t.open(rootInfo(ContentKind::Form));
    t.root.finish();
    EXPECT_TRUE(t.sink.layers.empty());
}

// A hole before the first byte: the layer and its transforms hear it when the layer begins;
// magic bytes are unknown after it, so a registration that needs them does not apply.
TEST(LayerNode, HoleBeforeTheFirstByte) {
    Tree by_kind(kByKind);
    by_kind.open(rootInfo(ContentKind::Form));
    by_kind.root.gap(7);
    by_kind.feed("rest");
    by_kind.root.gap(2);
    by_kind.feed("end");
    by_kind.root.finish();
    EXPECT_EQ(by_kind.sink.layers,
              L({{"test.root", "<gap 7>rest<gap 2>end"}, {"test.upper", "<gap 7>REST<gap 2>END"}}));

    Tree by_magic(kByMagic);
    by_magic.open(rootInfo());
    by_magic.root.gap(7);
    by_magic.feed("magic after a hole");
    by_magic.root.finish();
    EXPECT_EQ(by_magic.sink.layers, L({{"test.root", "<gap 7>magic after a hole"}}));
}

// A sink that refuses every layer (inspection-max-layers reached): the refused layer's bytes
// still reach it (to be counted), and nothing beneath the layer is decoded.
struct RefusingSink final : DecodedLayerSink {
    LayerId beginLayer(const LayerInfo&, LayerId) noexcept override {
        ++refused;
        return kNoLayer;
    }
    void layerData(LayerId id, const uint8_t*, uint32_t len) noexcept override {
        EXPECT_EQ(id, kNoLayer);
        refused_bytes += len;
    }
    void layerGap(LayerId, uint64_t) noexcept override { ADD_FAILURE() << "gap in no layer"; }
    void endLayer(LayerId) noexcept override { ADD_FAILURE() << "end of no layer"; }
    int refused = 0;
    uint64_t refused_bytes = 0;
};

TEST(LayerNode, RefusedLayerIsCountedAndNotRouted) {
    RefusingSink sink;
    TransformContext ctx;
    ctx.registry = kByKind;
    ctx.sink = &sink;
    LayerNode root;
    root.prepare(ctx, rootInfo(ContentKind::Form), kNoLayer);
    root.data(test::u8("twelve bytes"), 12);
    root.gap(3);
    root.finish();
    EXPECT_EQ(sink.refused, 1); // the upper layer was never asked for
    EXPECT_EQ(sink.refused_bytes, 12u);
}

TEST(LayerNode, AbortEndsTheWholeTree) {
    Tree t(kByKind);
    t.open(rootInfo(ContentKind::Form));
    t.feed("abc");
    EXPECT_EQ(t.sink.openCount(), 2u);
    t.root.abort();
    EXPECT_EQ(t.sink.openCount(), 0u);
    EXPECT_EQ(t.sink.layers, L({{"test.root", "abc"}, {"test.upper", "ABC"}}));
}

// A format that contains itself (each output is routed again): the tree stops at kMaxDepth,
// counted, whatever the sink allows.
bool alwaysApplies(const LayerInfo&, std::span<const uint8_t>) noexcept {
    return true;
}
constexpr TransformRegistration kAlways[] = {{"upper", alwaysApplies, makeUpper, 0}};

TEST(LayerNode, SelfContainingFormatStopsAtTheDepthCap) {
    Tree t(kAlways);
    t.open(rootInfo());
    t.feed("x");
    t.root.finish();
    EXPECT_EQ(t.sink.layers.size(), LayerNode::kMaxDepth + 1); // depths 0 .. kMaxDepth
    EXPECT_EQ(t.ctx.counters.transforms_refused, 1u);
    EXPECT_EQ(t.sink.openCount(), 0u);
}

LayerInfo gzipBody() {
    LayerInfo info;
    info.type = "http.request.body";
    info.family = LayerFamily::HttpRequest;
    info.coding = ContentCoding::Gzip;
    return info;
}

// A compressed stream whose start was lost cannot be inflated: no inflater is started (none
// counted as decompressed), the layer counts as cut by the hole.
TEST(LayerNode, CompressedLayerWithALostStartIsNotInflated) {
    Tree t(builtinTransforms());
    t.open(gzipBody());
    t.root.gap(10);
    t.feed(test::gzip("TOP SECRET").substr(10));
    t.root.finish();
    EXPECT_EQ(t.sink.layers.size(), 1u);
    EXPECT_EQ(t.ctx.counters.inflated_layers, 0u);
    EXPECT_EQ(t.ctx.counters.gap_cut_layers, 1u);
}

// A hole after the compressed stream has ended loses nothing decompressed: the inflated layer
// stays whole and nothing is counted as cut.
TEST(LayerNode, HoleAfterTheCompressedStreamEndsCutsNothing) {
    Tree t(builtinTransforms());
    t.open(gzipBody());
    t.feed(test::gzip("TOP SECRET") + "trailing");
    t.root.gap(3);
    t.root.finish();
    ASSERT_EQ(t.sink.layers.size(), 2u);
    EXPECT_EQ(t.sink.layers[1].second, "TOP SECRET");
    EXPECT_EQ(t.ctx.counters.gap_cut_layers, 0u);
    EXPECT_EQ(t.ctx.counters.inflated_layers, 1u);
}

// The built-in registry, three levels deep: a gzip-coded multipart/form-data request body is
// inflated, the inflated layer split into parts, each part a layer of its own with its file
// name; each layer's parent is the one it was decoded from.
TEST(LayerNode, BuiltinRegistryInflatesThenSplitsParts) {
    const std::string form = "--B\r\nContent-Disposition: form-data; name=\"f\"; "
                             "filename=\"plan.txt\"\r\n\r\nTOP SECRET\r\n--B--\r\n";
    const std::string body = test::gzip(form);
    Tree t(builtinTransforms());
    LayerInfo info = gzipBody();
    info.kind = ContentKind::Multipart;
    info.boundary = "B";
    t.open(info);
    for (size_t i = 0; i < body.size(); ++i) // byte by byte: every split gives the same tree
        t.feed(std::string_view(body).substr(i, 1));
    t.root.finish();
    const test::RecordingSink& sink = t.sink;
    ASSERT_EQ(sink.layers.size(), 3u);
    EXPECT_EQ(sink.layers[1], std::make_pair(std::string("http.request.body.gzip"), form));
    EXPECT_EQ(sink.layers[2], std::make_pair(std::string("http.request.body.multipart"),
                                             std::string("TOP SECRET")));
    EXPECT_EQ(sink.parentIndex(1), 0);
    EXPECT_EQ(sink.parentIndex(2), 1);
    EXPECT_EQ(sink.file_names[2], "plan.txt");
    EXPECT_EQ(t.ctx.counters.inflated_layers, 1u);
    EXPECT_EQ(t.ctx.counters.mime_parts, 1u);
    EXPECT_EQ(sink.openCount(), 0u);
}

} // namespace
} // namespace egressmon::dpi
