// Files inside the traffic, end to end through the inspector: alerts name the file they are
// about and its path inside archives; rules' file: conditions filter content matches, hold them
// until the file's end when its size or flags decide, and fire on files themselves.

#include <gtest/gtest.h>

#include "inspector_harness.h"
#include "zip_builder.h"

namespace egressmon::testing {
namespace {

using test::storedZip;
using test::ZipEntrySpec;

// A form-data upload of one file part.
std::string upload(const std::string& file_name, const std::string& content) {
    const std::string part = "--b0undary\r\n"
                             "Content-Disposition: form-data; name=\"f\"; filename=\"" +
                             file_name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
                             content + "\r\n--b0undary--\r\n";
    return "POST /upload HTTP/1.1\r\nHost: example.org\r\n"
           "Content-Type: multipart/form-data; boundary=b0undary\r\n"
           "Content-Length: " +
           std::to_string(part.size()) + "\r\n\r\n" + part;
}

dpi::InspectionConfig deepLayers() {
    dpi::InspectionConfig config;
    config.max_open_layers = 16;
    return config;
}

rules::Rule withFile(rules::Rule r, rules::FileConditions c) {
    c.present = true;
    r.file_conditions = std::move(c);
    return r;
}

rules::FileConditions types(std::initializer_list<core::FileType> list) {
    rules::FileConditions c;
    for (const core::FileType t : list)
        c.types |= 1u << static_cast<unsigned>(t);
    return c;
}

rules::Rule fileRule(uint32_t id, rules::FileConditions c) {
    rules::Rule r;
    r.id = id;
    r.name = "file rule " + std::to_string(id);
    return withFile(r, std::move(c));
}

std::vector<CollectedAlert> run(std::vector<rules::Rule> rules, const std::string& request) {
    InspectorHarness h(ruleSet(std::move(rules), "v1"), deepLayers());
    h.classify();
    h.send(true, 0, request);
    h.end();
    return h.alerts();
}

const std::string kDocx =
    storedZip({{"[Content_Types].xml", "<Types/>"},
               {"word/document.xml", "<w:document xmlns:w=\"http://schemas.openxmlformats.org/"
                                     "wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>TOP "
                                     "SECRET plan</w:t></w:r></w:p></w:body></w:document>"}});

} // namespace

TEST(InspectionFileRules, AMatchInsideAnArchiveNamesTheFileThatLeftAndThePathDown) {
    const std::string outer = storedZip({{"readme.txt", "nothing"}, {"q3/plan.docx", kDocx}});
    const auto alerts = run({keywordRule(1, {"TOP SECRET"})}, upload("report.zip", outer));
    ASSERT_EQ(alerts.size(), 1u);
    const CollectedAlert& a = alerts[0];
    EXPECT_EQ(a.kind, "content");
    EXPECT_EQ(a.layer, "document.text"); // the part's text, markup removed
    ASSERT_TRUE(a.file);
    EXPECT_EQ(a.file->name, "report.zip");
    EXPECT_EQ(a.file->type, "zip");
    EXPECT_EQ(a.file->path,
              (std::vector<std::string>{"report.zip", "q3/plan.docx", "word/document.xml"}));
    EXPECT_FALSE(a.file->encrypted);
    EXPECT_EQ(a.file->uninspectable, "");
}

TEST(InspectionFileRules, AMatchOutsideAnyFileCarriesNoFile) {
    const auto alerts = run({keywordRule(1, {"TOP SECRET"})},
                            "GET /?q=TOP%20SECRET HTTP/1.1\r\nHost: example.org\r\n\r\n");
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_FALSE(alerts[0].file);
}

TEST(InspectionFileRules, TypesDecideWhichMatchesCountAndNameTheJudgedFile) {
    const std::string outer = storedZip({{"q3/plan.docx", kDocx}});
    auto alerts = run({withFile(keywordRule(1, {"TOP SECRET"}), types({core::FileType::Pdf}))},
                      upload("report.zip", outer));
    EXPECT_TRUE(alerts.empty());

    alerts = run({withFile(keywordRule(1, {"TOP SECRET"}), types({core::FileType::Docx}))},
                 upload("report.zip", outer));
    ASSERT_EQ(alerts.size(), 1u);
    ASSERT_TRUE(alerts[0].file);
    EXPECT_EQ(alerts[0].file->name, "q3/plan.docx"); // the docx, not the zip around it
    EXPECT_EQ(alerts[0].file->type, "docx");
    EXPECT_EQ(alerts[0].file->path,
              (std::vector<std::string>{"report.zip", "q3/plan.docx", "word/document.xml"}));
}

TEST(InspectionFileRules, NamesAreGlobbedOnEveryFileAroundTheMatch) {
    rules::FileConditions c;
    c.names = {"*.ZIP"};
    const auto alerts = run({withFile(keywordRule(1, {"TOP SECRET"}), c)},
                            upload("report.zip", storedZip({{"a.txt", "TOP SECRET"}})));
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].file->name, "report.zip");
}

TEST(InspectionFileRules, AnEncryptedEntryMakesTheArchiveEncryptedForAFileRule) {
    rules::FileConditions c;
    c.encrypted = true;
    const std::string zip =
        storedZip({{"plain.txt", "hello"}, {"secret.txt", "\x13\x37 ciphertext", true}});
    const auto alerts = run({fileRule(5, c)}, upload("payroll.zip", zip));
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].kind, "file");
    EXPECT_EQ(alerts[0].layer, "http.request.body.multipart");
    ASSERT_TRUE(alerts[0].file);
    EXPECT_EQ(alerts[0].file->name, "payroll.zip");
    EXPECT_EQ(alerts[0].file->path, std::vector<std::string>{"payroll.zip"});
    EXPECT_TRUE(alerts[0].file->encrypted);
    EXPECT_EQ(alerts[0].file->uninspectable, "encrypted");

    // The same archive without the encrypted entry: no alert.
    EXPECT_TRUE(
        run({fileRule(5, c)}, upload("payroll.zip", storedZip({{"plain.txt", "hello"}}))).empty());
}

TEST(InspectionFileRules, AMatchWaitsForTheFileEndWhenTheRuleWantsItNotEncrypted) {
    // Judged on the innermost ZIP around the match (plan.txt itself is never encrypted).
    rules::FileConditions c = types({core::FileType::Zip});
    c.encrypted = false;
    const rules::Rule rule = withFile(keywordRule(1, {"TOP SECRET"}), c);
    // The match comes first; the encrypted entry after it decides: no alert.
    const std::string mixed =
        storedZip({{"plan.txt", "TOP SECRET"}, {"secret.txt", "ciphertext", true}});
    EXPECT_TRUE(run({rule}, upload("a.zip", mixed)).empty());
    // Without it the held alert is delivered at the archive's end.
    const auto alerts = run({rule}, upload("a.zip", storedZip({{"plan.txt", "TOP SECRET"}})));
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].kind, "content");
    EXPECT_FALSE(alerts[0].file->encrypted);
}

TEST(InspectionFileRules, MinSizeIsTheFilesOwnSizeAtItsBound) {
    rules::FileConditions c;
    c.min_size = 100;
    EXPECT_TRUE(run({fileRule(5, c)}, upload("a.bin", std::string(99, 'x'))).empty());
    const auto alerts = run({fileRule(5, c)}, upload("a.bin", std::string(100, 'x')));
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].file->type, "text");
}

TEST(InspectionFileRules, AFileRuleAlertsOncePerFlow) {
    rules::FileConditions c = types({core::FileType::Text});
    // Two text entries: one alert for the (flow, rule), about the first.
    const auto alerts =
        run({fileRule(5, c)}, upload("a.zip", storedZip({{"a.txt", "one"}, {"b.txt", "two"}})));
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].file->path, (std::vector<std::string>{"a.zip", "a.txt"}));
}

TEST(InspectionFileRules, ALayerRefusedForWantOfRoomLeavesItsFileUninspectable) {
    rules::FileConditions c;
    c.uninspectable = true;
    dpi::InspectionConfig config;
    config.max_open_layers = 2; // body, part: the entry has no room
    InspectorHarness h(ruleSet({fileRule(5, c)}, "v1"), config);
    h.classify();
    h.send(true, 0, upload("a.zip", storedZip({{"a.txt", "one"}})));
    h.end();
    ASSERT_EQ(h.alerts().size(), 1u);
    EXPECT_EQ(h.alerts()[0].file->uninspectable, "inspection-max-layers");
}

} // namespace egressmon::testing
