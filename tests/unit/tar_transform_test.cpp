// The "tar" transform (dpi/transform/tar/): through a LayerNode with the built-in registry, a
// tar file's regular entries become "tar.entry" layers named by their paths and routed on (a
// docx inside is walked as a ZIP; a .tar.gz is inflated, then walked); the file is refined to
// tar; a text or binary file that is not a tar is left alone; bad headers and bounds make the
// archive uninspectable with their reason.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/transform/layer_node.h"
#include "dpi/transform/transform_registry.h"
#include "http_test_support.h"
#include "tar_builder.h"
#include "zip_builder.h"

namespace egressmon::dpi {
namespace {

namespace tb = ::egressmon::test;

class NoteSink final : public test::RecordingSink {
  public:
    void noteFile(LayerId id, const FileNote& note) noexcept override {
        notes.emplace_back(id, note);
    }
    bool refinedTo(LayerId id, FileType type) const {
        for (const auto& [on, note] : notes)
            if (on == id && note.refine_type && note.type == type) return true;
        return false;
    }
    std::vector<std::string> reasons(LayerId id) const {
        std::vector<std::string> out;
        for (const auto& [on, note] : notes)
            if (on == id && note.uninspectable) out.emplace_back(note.uninspectable);
        return out;
    }
    std::vector<std::pair<LayerId, FileNote>> notes;
};

struct Upload {
    Upload() {
        ctx.registry = builtinTransforms();
        ctx.sink = &sink;
    }
    // One file layer (a raw PUT body) named `name`, fed in pieces of `piece` bytes.
    void send(std::string_view name, std::string_view content, size_t piece = 100000) {
        LayerInfo info;
        info.type = "http.request.body";
        info.file = true;
        info.file_name = name;
        root.prepare(ctx, info, kNoLayer);
        for (size_t at = 0; at < content.size(); at += piece) {
            const std::string_view p = content.substr(at, piece);
            root.data(test::u8(p), p.size());
        }
        root.finish();
    }
    NoteSink sink;
    TransformContext ctx;
    LayerNode root;
};

const std::string kDocx =
    tb::storedZip({{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "TOP SECRET"}});

tb::TarHeader directory(std::string name) {
    tb::TarHeader h;
    h.name = std::move(name);
    h.type = '5';
    return h;
}

std::string plansTar() {
    return tb::tarHeader(directory("q3/")) + tb::tarFile("q3/readme.txt", "plans for q3\n") +
           tb::tarFile("q3/plan.docx", kDocx) + tb::tarEnd();
}

TEST(TarTransform, EntriesBecomeNamedLayersRoutedOn) {
    for (size_t piece : {size_t{100000}, size_t{7}, size_t{1}}) {
        Upload u;
        u.send("plans.tar", plansTar(), piece);
        const auto& s = u.sink;
        ASSERT_EQ(s.layers.size(), 5u) << piece;
        EXPECT_EQ(s.layers[1],
                  (std::pair<std::string, std::string>{"tar.entry", "plans for q3\n"}));
        EXPECT_EQ(s.file_names[1], "q3/readme.txt");
        EXPECT_EQ(s.parentIndex(1), 0);
        EXPECT_EQ(s.layers[2].first, "tar.entry");
        EXPECT_EQ(s.file_names[2], "q3/plan.docx");
        EXPECT_EQ(s.layers[4], (std::pair<std::string, std::string>{"zip.entry", "TOP SECRET"}));
        EXPECT_EQ(s.file_names[4], "word/document.xml");
        EXPECT_EQ(s.parentIndex(4), 2);
        EXPECT_TRUE(s.refinedTo(s.ids[0], FileType::Tar));
        EXPECT_TRUE(s.reasons(s.ids[0]).empty());
        EXPECT_EQ(u.ctx.counters.tar.archives, 1u);
        EXPECT_EQ(u.ctx.counters.tar.entries, 3u);
        EXPECT_EQ(s.openCount(), 0u);
    }
}

TEST(TarTransform, TarGzIsInflatedThenWalked) {
    Upload u;
    u.send("plans.tar.gz", test::compress(plansTar(), 31));
    const auto& s = u.sink;
    ASSERT_GE(s.layers.size(), 3u);
    EXPECT_EQ(s.layers[1].first, "gzip.content");
    EXPECT_EQ(s.file_names[1], "plans.tar");
    EXPECT_TRUE(s.refinedTo(s.ids[1], FileType::Tar));
    EXPECT_EQ(s.layers[2].first, "tar.entry");
    EXPECT_EQ(s.file_names[2], "q3/readme.txt");
    EXPECT_EQ(s.parentIndex(2), 1);
}

TEST(TarTransform, FilesThatAreNotTarsAreLeftAlone) {
    const std::string text(2000, 't');
    std::string binary(2000, '\x01');
    binary[0] = '\x7f';
    for (const std::string& content : {text, binary, std::string("short text")}) {
        Upload u;
        u.send("notes.txt", content);
        EXPECT_EQ(u.sink.layers.size(), 1u);
        EXPECT_TRUE(u.sink.notes.empty());
        EXPECT_EQ(u.ctx.counters.tar.archives, 0u);
    }
}

TEST(TarTransform, NonFileLayersAreNotTried) {
    Upload u;
    LayerInfo info;
    info.type = "http.request.body";
    u.root.prepare(u.ctx, info, kNoLayer); // not a file (a container)
    const std::string tar = plansTar();
    u.root.data(test::u8(tar), tar.size());
    u.root.finish();
    EXPECT_EQ(u.sink.layers.size(), 1u);
}

TEST(TarTransform, CorruptHeaderMakesTheArchiveUninspectable) {
    tb::TarHeader bad;
    bad.name = "b.txt";
    bad.checksum_delta = 3;
    Upload u;
    u.send("a.tar", tb::tarFile("a.txt", "one") + tb::tarEntry(bad, "two"));
    EXPECT_EQ(u.sink.layers.size(), 2u);
    EXPECT_EQ(u.sink.reasons(u.sink.ids[0]), std::vector<std::string>{"corrupt"});
    EXPECT_EQ(u.ctx.counters.tar.corrupt, 1u);
}

TEST(TarTransform, BoundsAndTruncationAreReasons) {
    Upload u;
    u.ctx.files.zip.max_entries = 1;
    u.ctx.files.zip.max_entry_bytes = 2;
    u.send("a.tar", tb::tarFile("a.txt", "one") + tb::tarFile("b.txt", "two"));
    EXPECT_EQ(u.sink.reasons(u.sink.ids[0]),
              (std::vector<std::string>{"max-entry-bytes", "max-archive-entries"}));
    EXPECT_EQ(u.ctx.counters.tar.entries_cut, 1u);
    EXPECT_EQ(u.ctx.counters.tar.entries_exceeded, 1u);

    Upload cut;
    const std::string tar = tb::tarFile("a.txt", "0123456789");
    cut.send("a.tar", std::string_view(tar).substr(0, 515));
    EXPECT_EQ(cut.sink.reasons(cut.sink.ids[0]), std::vector<std::string>{"truncated"});
}

TEST(TarTransform, HoleIsAReasonAndTheWalkGoesOn) {
    Upload u;
    LayerInfo info;
    info.type = "http.request.body";
    info.file = true;
    u.root.prepare(u.ctx, info, kNoLayer);
    const std::string a = tb::tarFile("a.txt", std::string(1000, 'a'));
    const std::string b = tb::tarFile("b.txt", "bee");
    u.root.data(test::u8(a), 600);
    u.root.gap(100);
    u.root.data(test::u8(a) + 700, a.size() - 700);
    u.root.data(test::u8(b), b.size());
    u.root.finish();
    ASSERT_EQ(u.sink.layers.size(), 3u);
    EXPECT_EQ(u.sink.file_names[2], "b.txt");
    EXPECT_EQ(u.sink.layers[2].second, "bee");
    const auto reasons = u.sink.reasons(u.sink.ids[0]);
    EXPECT_NE(std::find(reasons.begin(), reasons.end(), "gap"), reasons.end());
    EXPECT_EQ(u.ctx.counters.tar.gaps, 1u);
}

} // namespace
} // namespace egressmon::dpi
