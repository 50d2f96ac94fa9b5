// Application and risk rules (INTERFACE.md "Application, risk and volume rules"): loading and
// its errors, the pure condition check, nDPI's risk and category names, and the alerts that
// FlowInspector::onClassified raises.

#include <gtest/gtest.h>
#include <ndpi/ndpi_api.h>

#include "core/flow_table.h"
#include "core/ndpi_risk_names.h"
#include "dpi/classify/flow_classifier.h"
#include "dpi/inspect/classification_rules.h"
#include "dpi/inspect/flow_inspector.h"
#include "rules/rule_parser.h"
#include "rules/rule_set.h"

using namespace egressmon;
using rules::RuleDirection;

namespace {

std::vector<rules::Rule> parse(const std::string& text) {
    std::vector<rules::Rule> out;
    rules::parseRuleText(text, "rules.yaml", out);
    return out;
}

std::string parseError(const std::string& text) {
    try {
        parse(text);
    } catch (const rules::RuleError& e) {
        return e.what();
    }
    return "";
}

constexpr const char* kHead = "rules:\n  - id: 3000\n    name: Remote desktop\n";

uint64_t bit(unsigned risk) {
    return uint64_t{1} << risk;
}

} // namespace

TEST(NdpiRiskNames, AreNdpiEnumNamesWithoutThePrefix) {
    EXPECT_EQ(core::kNdpiRiskCount, unsigned{NDPI_MAX_RISK} - 1);
    EXPECT_EQ(core::ndpiRiskByName("DESKTOP_OR_FILE_SHARING_SESSION"),
              unsigned{NDPI_DESKTOP_OR_FILE_SHARING_SESSION});
    EXPECT_EQ(core::ndpiRiskByName("URL_POSSIBLE_XSS"), unsigned{NDPI_URL_POSSIBLE_XSS});
    EXPECT_EQ(core::ndpiRiskByName("TLS_CERTIFICATE_ABOUT_TO_EXPIRE"),
              unsigned{NDPI_TLS_CERTIFICATE_ABOUT_TO_EXPIRE});
    EXPECT_STREQ(core::ndpiRiskName(NDPI_CLEAR_TEXT_CREDENTIALS), "CLEAR_TEXT_CREDENTIALS");
    // Exact spelling: no prefix, no case folding, no NO_RISK, nothing past the end.
    EXPECT_FALSE(core::ndpiRiskByName("NDPI_URL_POSSIBLE_XSS"));
    EXPECT_FALSE(core::ndpiRiskByName("url_possible_xss"));
    EXPECT_FALSE(core::ndpiRiskByName("NO_RISK"));
    EXPECT_EQ(core::ndpiRiskName(0), nullptr);
    EXPECT_EQ(core::ndpiRiskName(core::kNdpiRiskCount + 1), nullptr);
    for (unsigned r = 1; r <= core::kNdpiRiskCount; ++r)
        EXPECT_EQ(core::ndpiRiskByName(core::ndpiRiskName(r)), r);
}

TEST(NdpiCategoryNames, ResolveAsNdpiPrintsThem) {
    dpi::FlowClassifier c;
    EXPECT_EQ(c.categoryId("RemoteAccess"), NDPI_PROTOCOL_CATEGORY_REMOTE_ACCESS);
    EXPECT_EQ(c.categoryId("Web"), NDPI_PROTOCOL_CATEGORY_WEB);
    EXPECT_EQ(c.categoryId("no-such-category"), -1);
    core::FlowClassification fc;
    fc.category = NDPI_PROTOCOL_CATEGORY_REMOTE_ACCESS;
    EXPECT_EQ(c.categoryName(fc), "RemoteAccess");
}

TEST(ClassificationRuleLoading, ProtocolsCategoriesAndRisksMakeAnApplicationRule) {
    const auto rules =
        parse(std::string(kHead) + "    protocols: [AnyDesk]\n    categories: [RemoteAccess]\n"
                                   "    risks: [DESKTOP_OR_FILE_SHARING_SESSION, TLS_MISSING_SNI]\n"
                                   "    direction: any\n");
    ASSERT_EQ(rules.size(), 1u);
    const rules::Rule& r = rules[0];
    EXPECT_TRUE(r.classificationOnly());
    EXPECT_FALSE(r.fileOnly());
    EXPECT_EQ(r.categories, std::vector<std::string>{"RemoteAccess"});
    EXPECT_EQ(r.risks, bit(NDPI_DESKTOP_OR_FILE_SHARING_SESSION) | bit(NDPI_TLS_MISSING_SNI));
    EXPECT_EQ(r.direction, RuleDirection::kAny);
    EXPECT_STREQ(dpi::classificationKind(r), "risk");
    const auto only_protocols = parse(std::string(kHead) + "    protocols: [AnyDesk]\n");
    EXPECT_STREQ(dpi::classificationKind(only_protocols[0]), "application");
    EXPECT_EQ(only_protocols[0].direction, RuleDirection::kEgress); // the contract's default
}

TEST(ClassificationRuleLoading, TheRuleSetKeepsThemApartFromContentAndFileRules) {
    auto rules = parse(std::string(kHead) + "    protocols: [AnyDesk]\n" +
                       "  - {id: 1, name: k, keywords: [x]}\n" +
                       "  - {id: 2, name: f, file: {encrypted: true}}\n");
    const auto set = rules::RuleSet::compile(rules, "v");
    EXPECT_EQ(set->classificationRules(), std::vector<uint32_t>{0});
    EXPECT_EQ(set->fileOnlyRules(), std::vector<uint32_t>{2});
    EXPECT_TRUE(set->inspectsContent());
    const auto alone = rules::RuleSet::compile({rules[0]}, "v");
    EXPECT_FALSE(alone->inspectsContent());
    EXPECT_EQ(alone->database(), nullptr);
}

TEST(ClassificationRuleLoading, AnUnknownRiskNamesFileLineRuleAndName) {
    const std::string e =
        parseError(std::string(kHead) + "    risks:\n      - TLS_MISSING_SNI\n      - TOR\n");
    EXPECT_EQ(e.rfind("rules.yaml:6: rule 3000: risks: unknown nDPI risk 'TOR' (", 0), 0u) << e;
    EXPECT_NE(e.find("DESKTOP_OR_FILE_SHARING_SESSION"), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    // The NDPI_ prefix is not part of the name.
    EXPECT_NE(parseError(std::string(kHead) + "    risks: [NDPI_TLS_MISSING_SNI]\n")
                  .find("rules.yaml:4: rule 3000: risks: unknown nDPI risk 'NDPI_TLS_MISSING_SNI'"),
              std::string::npos);
}

TEST(ClassificationRuleLoading, MalformedListsAreRefused) {
    EXPECT_NE(parseError(std::string(kHead) + "    risks: TLS_MISSING_SNI\n")
                  .find("rules.yaml:4: rule 3000: risks: expected a list"),
              std::string::npos);
    EXPECT_NE(parseError(std::string(kHead) + "    risks: []\n").find("expected a non-empty list"),
              std::string::npos);
    EXPECT_NE(parseError(std::string(kHead) + "    categories: Web\n")
                  .find("rules.yaml:4: categories: expected a list"),
              std::string::npos);
    EXPECT_NE(parseError(std::string(kHead) + "    categories: []\n")
                  .find("rules.yaml:4: categories: expected a non-empty list"),
              std::string::npos);
}

TEST(ClassificationRuleLoading, CategoriesAndRisksAreOnlyForRulesWithoutContentOrFile) {
    EXPECT_NE(parseError(std::string(kHead) + "    keywords: [x]\n    risks: [TLS_MISSING_SNI]\n")
                  .find("rules.yaml:2: rule 3000: categories and risks are for rules without"),
              std::string::npos);
    EXPECT_NE(parseError(std::string(kHead) +
                         "    file: {encrypted: true}\n    categories: [RemoteAccess]\n")
                  .find("rules.yaml:2: rule 3000: categories and risks are for rules without"),
              std::string::npos);
}

TEST(ClassificationRuleLoading, VolumeRulesAreListedApartFromPerFlowRules) {
    const auto rules = parse(std::string(kHead) +
                             "    protocols: [AnyDesk]\n    volume: {bytes: 100, window: 60}\n"
                             "  - {id: 1, name: b, volume: {window: 1, bytes: 4398046511104}}\n"
                             "  - {id: 2, name: c, protocols: [AnyDesk]}\n");
    ASSERT_EQ(rules.size(), 3u);
    ASSERT_TRUE(rules[0].volume);
    EXPECT_EQ(rules[0].volume->bytes, 100u);
    EXPECT_EQ(rules[0].volume->window_s, 60u);
    EXPECT_EQ(rules[1].volume->bytes, rules::VolumeCondition::kMaxBytes);
    const auto set = rules::RuleSet::compile(rules, "v");
    EXPECT_EQ(set->volumeRules(), (std::vector<uint32_t>{0, 1}));
    EXPECT_EQ(set->classificationRules(), std::vector<uint32_t>{2});
    EXPECT_FALSE(set->inspectsContent());
}

TEST(ClassificationRuleLoading, SuppressGivesARuleALedgerColumnAfterTheVolumeRules) {
    const auto rules =
        parse(std::string(kHead) + "    protocols: [AnyDesk]\n    suppress: 3600\n"
                                   "  - {id: 1, name: b, volume: {window: 1, bytes: 10}}\n");
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].suppress_s, 3600u);
    const auto set = rules::RuleSet::compile(rules, "v");
    EXPECT_EQ(set->suppressedRules(), std::vector<uint32_t>{0});
    EXPECT_EQ(set->classificationRules(), std::vector<uint32_t>{0});
    EXPECT_EQ(set->volumeRules(), std::vector<uint32_t>{1});
    EXPECT_NE(parseError(std::string(kHead) + "    protocols: [AnyDesk]\n    suppress: 0\n")
                  .find("suppress: expected an integer from 1 to 2592000"),
              std::string::npos);
}

TEST(ClassificationRuleLoading, VolumeErrorsNameTheRuleAndTheBound) {
    const auto error = [](const char* body) { return parseError(std::string(kHead) + body); };
    EXPECT_NE(error("    volume: {bytes: 1}\n").find("rules.yaml:4: rule 3000: volume: needs both"),
              std::string::npos);
    EXPECT_NE(error("    volume: {bytes: 4398046511105, window: 1}\n")
                  .find("volume.bytes: expected an integer from 1 to 4398046511104"),
              std::string::npos);
    EXPECT_NE(error("    volume: {bytes: 1, window: 0}\n")
                  .find("volume.window: expected an integer from 1 to 2592000"),
              std::string::npos);
    EXPECT_NE(error("    volume: [1, 2]\n").find("rule 3000: volume: expected a mapping"),
              std::string::npos);
    EXPECT_NE(error("    regex: ['x']\n    volume: {bytes: 1, window: 1}\n")
                  .find("volume sums whole flows and cannot be combined"),
              std::string::npos);
}

TEST(ClassificationRuleLoading, ValidateStillNeedsContent) {
    EXPECT_NE(parseError(std::string(kHead) + "    protocols: [HTTP]\n    validate: luhn\n")
                  .find("rule 3000: validate needs keywords or regex"),
              std::string::npos);
}

namespace {

core::Flow flowWith(core::NetRelation relation, uint16_t master, uint16_t app, uint16_t category,
                    uint64_t risks) {
    core::Flow f;
    f.relation = relation;
    f.classification.master_protocol = master;
    f.classification.app_protocol = app;
    f.classification.category = category;
    f.classification.risks = risks;
    f.classification.done = true;
    return f;
}

rules::Rule classificationRule(RuleDirection d) {
    rules::Rule r;
    r.id = 3000;
    r.name = "r";
    r.direction = d;
    r.protocols = {"x"}; // ids are given to classificationHolds directly
    return r;
}

} // namespace

TEST(ClassificationHolds, DirectionIsWhoOpenedTheFlowToWhom) {
    using core::NetRelation;
    const struct {
        RuleDirection d;
        NetRelation rel;
        bool holds;
    } cases[] = {
        {RuleDirection::kEgress, NetRelation::kEgress, true},
        {RuleDirection::kEgress, NetRelation::kIngress, false},
        {RuleDirection::kEgress, NetRelation::kInternal, false},
        {RuleDirection::kEgress, NetRelation::kExternal, false},
        {RuleDirection::kIngress, NetRelation::kIngress, true},
        {RuleDirection::kIngress, NetRelation::kEgress, false},
        {RuleDirection::kIngress, NetRelation::kInternal, false},
        {RuleDirection::kIngress, NetRelation::kExternal, false},
        {RuleDirection::kAny, NetRelation::kEgress, true},
        {RuleDirection::kAny, NetRelation::kIngress, true},
        {RuleDirection::kAny, NetRelation::kInternal, true},
        {RuleDirection::kAny, NetRelation::kExternal, true},
    };
    for (const auto& c : cases) {
        const core::Flow f = flowWith(c.rel, NDPI_PROTOCOL_TLS, NDPI_PROTOCOL_ANYDESK, 0, 0);
        EXPECT_EQ(dpi::classificationHolds(classificationRule(c.d), f, {NDPI_PROTOCOL_ANYDESK}, {}),
                  c.holds)
            << static_cast<int>(c.d) << " " << static_cast<int>(c.rel);
    }
}

TEST(ClassificationHolds, ProtocolsMatchMasterOrAppExactly) {
    const rules::Rule r = classificationRule(RuleDirection::kAny);
    const core::Flow tls_anydesk =
        flowWith(core::NetRelation::kEgress, NDPI_PROTOCOL_TLS, NDPI_PROTOCOL_ANYDESK, 0, 0);
    EXPECT_TRUE(dpi::classificationHolds(r, tls_anydesk, {NDPI_PROTOCOL_TLS}, {}));
    EXPECT_TRUE(dpi::classificationHolds(r, tls_anydesk, {NDPI_PROTOCOL_ANYDESK}, {}));
    EXPECT_TRUE(dpi::classificationHolds(r, tls_anydesk, {-1, NDPI_PROTOCOL_ANYDESK}, {}));
    EXPECT_FALSE(dpi::classificationHolds(r, tls_anydesk, {NDPI_PROTOCOL_HTTP}, {}));
    EXPECT_FALSE(dpi::classificationHolds(r, tls_anydesk, {-1}, {}));
    // A one-protocol flow has master 0: Unknown names only flows unknown on both.
    const core::Flow dns = flowWith(core::NetRelation::kEgress, 0, NDPI_PROTOCOL_DNS, 0, 0);
    EXPECT_FALSE(dpi::classificationHolds(r, dns, {NDPI_PROTOCOL_UNKNOWN}, {}));
    EXPECT_TRUE(dpi::classificationHolds(r, dns, {NDPI_PROTOCOL_DNS}, {}));
    const core::Flow unknown = flowWith(core::NetRelation::kEgress, 0, 0, 0, 0);
    EXPECT_TRUE(dpi::classificationHolds(r, unknown, {NDPI_PROTOCOL_UNKNOWN}, {}));
}

TEST(ClassificationHolds, EveryKeyGivenMustHoldAndAListMeansAnyOfIt) {
    rules::Rule r = classificationRule(RuleDirection::kAny);
    r.risks = bit(NDPI_TLS_MISSING_SNI) | bit(NDPI_DESKTOP_OR_FILE_SHARING_SESSION);
    const int remote = NDPI_PROTOCOL_CATEGORY_REMOTE_ACCESS;
    const core::Flow f = flowWith(core::NetRelation::kEgress, NDPI_PROTOCOL_TLS,
                                  NDPI_PROTOCOL_ANYDESK, remote, bit(NDPI_TLS_MISSING_SNI));
    EXPECT_TRUE(dpi::classificationHolds(r, f, {NDPI_PROTOCOL_ANYDESK}, {remote}));
    EXPECT_TRUE(dpi::classificationHolds(r, f, {}, {NDPI_PROTOCOL_CATEGORY_WEB, remote}));
    EXPECT_FALSE(
        dpi::classificationHolds(r, f, {NDPI_PROTOCOL_ANYDESK}, {NDPI_PROTOCOL_CATEGORY_WEB}));
    EXPECT_FALSE(dpi::classificationHolds(r, f, {NDPI_PROTOCOL_HTTP}, {remote}));
    r.risks = bit(NDPI_SUSPICIOUS_DGA_DOMAIN);
    EXPECT_FALSE(dpi::classificationHolds(r, f, {NDPI_PROTOCOL_ANYDESK}, {remote}));
    r.risks = 0;
    r.protocols.clear();
    EXPECT_TRUE(dpi::classificationHolds(r, f, {}, {remote}));
}

namespace {

struct Collected {
    core::AlertSubject subject;
    core::Alert alert;
};

class Collector final : public dpi::AlertSink {
  public:
    void onAlert(const core::AlertSubject& s, core::Alert&& a) noexcept override {
        got.push_back({s, std::move(a)});
    }
    std::vector<Collected> got;
};

core::Flow anydeskFlow(core::NetRelation relation) {
    core::Flow f =
        flowWith(relation, NDPI_PROTOCOL_TLS, NDPI_PROTOCOL_ANYDESK,
                 NDPI_PROTOCOL_CATEGORY_REMOTE_ACCESS, bit(NDPI_DESKTOP_OR_FILE_SHARING_SESSION));
    f.key.lo_ip = *core::IpAddress::parse("10.0.0.1");
    f.key.hi_ip = *core::IpAddress::parse("192.0.2.1");
    f.key.lo_port = 40000;
    f.key.hi_port = 443;
    f.key.ip_proto = core::ipproto::kTcp;
    f.flow_id = 77;
    return f;
}

std::unique_ptr<dpi::FlowInspector> inspectorFor(const std::string& text) {
    static dpi::FlowClassifier names; // resolves names as the worker's classifier does
    return std::make_unique<dpi::FlowInspector>(
        dpi::InspectionConfig{}, rules::RuleSet::compile(parse(text), "pv"),
        [](const std::string& n) { return names.protocolId(n); },
        [](const std::string& n) { return names.categoryId(n); });
}

} // namespace

TEST(FlowInspectorClassified, EachRuleThatHoldsAlertsOnceWithItsKindAndNoContentFields) {
    auto inspector =
        inspectorFor("rules:\n"
                     "  - {id: 1, name: app, protocols: [AnyDesk], severity: 1, category: remote}\n"
                     "  - {id: 2, name: risk, risks: [DESKTOP_OR_FILE_SHARING_SESSION]}\n"
                     "  - {id: 3, name: cat, categories: [RemoteAccess], protocols: [HTTP]}\n"
                     "  - {id: 4, name: content, keywords: [AnyDesk], protocols: [AnyDesk]}\n");
    core::Flow f = anydeskFlow(core::NetRelation::kEgress);
    Collector sink;
    inspector->onClassified(f, 123, sink);
    ASSERT_EQ(sink.got.size(), 2u);
    const core::Alert& app = sink.got[0].alert;
    EXPECT_EQ(app.signature_id, 1u);
    EXPECT_STREQ(app.kind, "application");
    EXPECT_EQ(app.signature, "app");
    EXPECT_EQ(app.category, "remote");
    EXPECT_EQ(app.severity, 1);
    EXPECT_EQ(app.policy_version, "pv");
    EXPECT_EQ(app.ts_us, 123u);
    EXPECT_EQ(app.direction, "egress");
    EXPECT_TRUE(app.match.empty());
    EXPECT_TRUE(app.encoding.empty());
    EXPECT_TRUE(app.layer.empty());
    EXPECT_EQ(sink.got[1].alert.signature_id, 2u);
    EXPECT_STREQ(sink.got[1].alert.kind, "risk");
    EXPECT_EQ(f.alerts, 2u);
    EXPECT_EQ(inspector->counters().alerts, 2u);
    // The client is the inside host: it is the source.
    EXPECT_EQ(sink.got[0].subject.source.ip->toString(), "10.0.0.1");
    EXPECT_EQ(sink.got[0].subject.destination.ip->toString(), "192.0.2.1");
    EXPECT_EQ(sink.got[0].subject.flow_id, 77u);
}

TEST(FlowInspectorClassified, TheSourceIsTheInsideHostElseTheClient) {
    auto inspector = inspectorFor("rules:\n  - {id: 1, name: a, protocols: [AnyDesk], "
                                  "direction: any}\n");
    const struct {
        core::NetRelation rel;
        const char* direction;
        bool to_server;
    } cases[] = {
        {core::NetRelation::kEgress, "egress", true},
        {core::NetRelation::kIngress, "ingress", false}, // the server is the inside host
        {core::NetRelation::kInternal, "internal", true},
        {core::NetRelation::kExternal, "external", true},
    };
    for (const auto& c : cases) {
        core::Flow f = anydeskFlow(c.rel); // client 10.0.0.1 (lo), server 192.0.2.1
        Collector sink;
        inspector->onClassified(f, 1, sink);
        ASSERT_EQ(sink.got.size(), 1u);
        EXPECT_EQ(sink.got[0].alert.direction, c.direction);
        EXPECT_EQ(sink.got[0].alert.to_server, c.to_server);
        EXPECT_EQ(sink.got[0].subject.source.ip->toString(),
                  c.to_server ? "10.0.0.1" : "192.0.2.1");
    }
}

TEST(FlowInspectorClassified, ClassificationRulesAloneKeepNoInspectionState) {
    auto inspector = inspectorFor("rules:\n  - {id: 1, name: a, protocols: [AnyDesk]}\n");
    EXPECT_FALSE(inspector->engine().hasRules());
    EXPECT_FALSE(inspector->engine().appliesTo(core::NetRelation::kEgress));
}

TEST(FlowInspectorClassified, AReloadJudgesLaterFlowsByTheNewRules) {
    auto inspector = inspectorFor("rules:\n  - {id: 1, name: a, protocols: [AnyDesk]}\n");
    core::FlowTable table(4, core::FlowTimeouts{});
    inspector->switchRules(
        rules::RuleSet::compile(parse("rules:\n  - {id: 2, name: b, categories: [RemoteAccess]}\n"
                                      "  - {id: 3, name: c, categories: [Web]}\n"),
                                "pv2"),
        table);
    core::Flow f = anydeskFlow(core::NetRelation::kEgress);
    Collector sink;
    inspector->onClassified(f, 1, sink);
    ASSERT_EQ(sink.got.size(), 1u);
    EXPECT_EQ(sink.got[0].alert.signature_id, 2u);
    EXPECT_EQ(sink.got[0].alert.policy_version, "pv2");
}
