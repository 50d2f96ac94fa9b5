#include "dpi/inspect/inspection_engine.h"

#include <algorithm>
#include <iterator>
#include <unordered_map>

#include "dpi/inspect/layer_scan.h"
#include "rules/keyword_encoding.h"

namespace egressmon::dpi {

InspectionEngine::InspectionEngine(const InspectionConfig& config,
                                   std::shared_ptr<const rules::RuleSet> rules,
                                   std::function<int(const std::string&)> protocol_id,
                                   std::function<int(const std::string&)> category_id)
    : config_(config), protocol_id_(std::move(protocol_id)), category_id_(std::move(category_id)),
      matcher_(rules), layer_gather_(config.max_open_layers) {
    extraction_budget_.limit = config.files.max_worker_memory;
    files_ = FileDecoding{.zip = config_.files.zip,
                          .zip_counters = &zip_counters_,
                          .xml = config_.files.xml,
                          .xml_counters = &xml_counters_,
                          .tar_counters = &tar_counters_,
                          .rtf = config_.files.rtf,
                          .rtf_counters = &rtf_counters_,
                          .pdf = config_.files.pdf,
                          .pdf_counters = &pdf_counters_,
                          .extraction_budget = &extraction_budget_,
                          .extract = config_.files.enabled,
                          .sealed = config_.files.sealed,
                          .sealed_counters = &sealed_counters_};
    files_.pdf.max_compression_ratio = config_.files.zip.max_compression_ratio;
    adopt(std::move(rules));
}

std::vector<int64_t> InspectionEngine::adopt(std::shared_ptr<const rules::RuleSet> rules) {
    // Old rule index -> new one, by signature id (indices differ between rule sets).
    std::unordered_map<uint32_t, uint32_t> new_index;
    for (uint32_t i = 0; i < rules->rules().size(); ++i)
        new_index[rules->rules()[i].id] = i;
    std::vector<int64_t> moved;
    for (const rules::Rule& r : matcher_.ruleSet().rules()) {
        const auto it = new_index.find(r.id);
        moved.push_back(it == new_index.end() ? -1 : it->second);
    }

    rules::StreamMatcher matcher(rules);
    std::vector<std::vector<int>> protocol_ids, category_ids;
    std::vector<uint32_t> lengths;
    bool rules_for[3] = {false, false, false};
    // Snippets read at most context_width bytes back; validators read their whole match (as
    // long as Hyperscan says the validated patterns can match). At most kHistoryBytes either way.
    const uint32_t history = std::min(std::max(config_.context_width, rules->validatorMatchBytes()),
                                      ScanContext::kHistoryBytes);
    for (const rules::Rule& r : rules->rules()) {
        std::vector<int> ids;
        for (const std::string& name : r.protocols)
            ids.push_back(protocol_id_(name));
        protocol_ids.push_back(std::move(ids));
        std::vector<int> categories;
        for (const std::string& name : r.categories)
            categories.push_back(category_id_ ? category_id_(name) : -1);
        category_ids.push_back(std::move(categories));
        // Which bytes need inspecting: a rule on the classification alone reads none.
        if (!r.classificationOnly()) rules_for[static_cast<size_t>(r.direction)] = true;
    }
    for (const rules::PatternInfo& p : rules->patterns()) {
        // Without start-of-match, a keyword's start is its end minus its encoded length.
        lengths.push_back(
            p.is_regex ? 0
                       : static_cast<uint32_t>(rules::encodeKeyword(p.text, p.encoding).size()));
    }
    matcher_ = std::move(matcher);
    protocol_ids_ = std::move(protocol_ids);
    category_ids_ = std::move(category_ids);
    pattern_lengths_ = std::move(lengths);
    std::copy(std::begin(rules_for), std::end(rules_for), rules_for_);
    history_bytes_ = history;
    // Keywords report once per stream: a match dropped for want of a pending slot would be lost
    // for good, so there is always room for one per rule.
    config_.max_pending_alerts = std::max<uint32_t>(config_.max_pending_alerts,
                                                    static_cast<uint32_t>(rules->rules().size()));
    return moved;
}

bool InspectionEngine::appliesTo(core::NetRelation r) const noexcept {
    // Files are reported in either direction, whatever the rules look at.
    if (config_.file_records) return true;
    if (rules_for_[static_cast<size_t>(rules::RuleDirection::kAny)]) return true;
    if (r == core::NetRelation::kEgress)
        return rules_for_[static_cast<size_t>(rules::RuleDirection::kEgress)];
    if (r == core::NetRelation::kIngress)
        return rules_for_[static_cast<size_t>(rules::RuleDirection::kIngress)];
    return false;
}

} // namespace egressmon::dpi
