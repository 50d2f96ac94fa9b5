#pragma once
// What every inspection session of one worker shares: the rules in force (Hyperscan database,
// the worker's own scratch), what the packet path derives from them (each rule's nDPI protocol
// ids, each pattern's encoded length, which byte directions any rule covers), the worker-wide
// buffers that gather decoded pieces before a scan, and the counters.
//
// Sessions (inspection_session.h) hold per-flow or per-transaction state only and reach all of
// this through the engine, so a reload swaps it in one place.
//
// Thread: one engine per worker. Construction and adopt() may throw (start-up or reload, off
// the packet path); everything else is noexcept.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/flow.h"
#include "dpi/inspect/inspection_types.h"
#include "rules/stream_matcher.h"

namespace egressmon::dpi {

class InspectionEngine {
  public:
    // `protocol_id` resolves a rule's nDPI protocol name to an nDPI id (-1 unknown); the caller
    // already rejected unknown names at rule load.
    // `category_id` does the same for category names (application rules); without it (ICAP,
    // which classifies nothing) a rule's categories resolve to nothing and never hold.
    InspectionEngine(const InspectionConfig& config, std::shared_ptr<const rules::RuleSet> rules,
                     std::function<int(const std::string&)> protocol_id,
                     std::function<int(const std::string&)> category_id = {});
    // Decoders hold references into the engine (files(), the counters): it stays where it is.
    InspectionEngine(const InspectionEngine&) = delete;
    InspectionEngine& operator=(const InspectionEngine&) = delete;

    // Builds everything for `rules` first (throws, leaving the engine unchanged, if that fails),
    // then swaps it in. Returns, for each rule index of the rules it replaced, the index of the
    // rule with the same signature id in `rules`, or -1 when the reload removed it.
    std::vector<int64_t> adopt(std::shared_ptr<const rules::RuleSet> rules);

    // Some rule applies to bytes of this relation to --home-net.
    bool appliesTo(core::NetRelation bytes_relation) const noexcept;
    // The nDPI ids a rule is limited to (empty: any protocol).
    const std::vector<int>& protocolIds(uint32_t rule_index) const noexcept {
        return protocol_ids_[rule_index];
    }
    // The nDPI category ids an application rule names (empty: any category; -1: unknown).
    const std::vector<int>& categoryIds(uint32_t rule_index) const noexcept {
        return category_ids_[rule_index];
    }
    // A keyword's encoded length (its start is its end minus this); 0 for a regex.
    uint32_t patternLength(uint32_t pattern_id) const noexcept {
        return pattern_lengths_[pattern_id];
    }
    // The worker's buffer for gathering one layer slot's pieces of a raw chunk.
    std::string& gatherBuffer(uint32_t slot) noexcept { return layer_gather_[slot]; }

    const InspectionConfig& config() const noexcept { return config_; }
    // Bytes of each layer kept behind the chunk being scanned (LayerScanner::tail): what
    // validators (a card number split across two packets) and snippets read: the longest
    // validated match the rules allow, or the snippet width, at most 512; none without
    // validators and snippets. Each open layer holds this much.
    uint32_t historyBytes() const noexcept { return history_bytes_; }
    rules::StreamMatcher& matcher() noexcept { return matcher_; }
    const rules::StreamMatcher& matcher() const noexcept { return matcher_; }
    // Some rule: a content rule (Hyperscan patterns) or a rule that judges files alone. Rules
    // that judge only a flow's classification need no inspection state and do not count.
    bool hasRules() const noexcept { return matcher_.ruleSet().inspectsContent(); }

    InspectionCounters& counters() noexcept { return counters_; }
    const InspectionCounters& counters() const noexcept { return counters_; }
    HttpDecoderCounters& http() noexcept { return http_counters_; }
    const HttpDecoderCounters& http() const noexcept { return http_counters_; }
    SmtpDecoderCounters& smtp() noexcept { return smtp_counters_; }
    const SmtpDecoderCounters& smtp() const noexcept { return smtp_counters_; }
    const ZipCounters& zip() const noexcept { return zip_counters_; }
    const TarCounters& tar() const noexcept { return tar_counters_; }
    const RtfCounters& rtf() const noexcept { return rtf_counters_; }
    // What the decoders' file transforms share: the `extraction:` bounds and the archive counters.
    const XmlCounters& xml() const noexcept { return xml_counters_; }
    const PdfCounters& pdf() const noexcept { return pdf_counters_; }
    const SealedCounters& sealed() const noexcept { return sealed_counters_; }
    const FileDecoding& files() const noexcept { return files_; }

  private:
    InspectionConfig config_;
    std::function<int(const std::string&)> protocol_id_;
    std::function<int(const std::string&)> category_id_;
    rules::StreamMatcher matcher_;
    std::vector<std::vector<int>> protocol_ids_; // per rule; empty: any protocol
    std::vector<std::vector<int>> category_ids_; // per rule; empty: any category
    std::vector<uint32_t> pattern_lengths_;      // per pattern
    bool rules_for_[3] = {false, false, false};  // some rule applies to egress/ingress/any bytes
    uint32_t history_bytes_ = 0;
    // Decoded-layer bytes of the raw chunk being processed, per layer slot: worker-wide, so no
    // session holds a buffer of its own.
    std::vector<std::string> layer_gather_;
    InspectionCounters counters_;
    HttpDecoderCounters http_counters_;
    SmtpDecoderCounters smtp_counters_;
    ZipCounters zip_counters_;
    XmlCounters xml_counters_;
    TarCounters tar_counters_;
    RtfCounters rtf_counters_;
    PdfCounters pdf_counters_;
    SealedCounters sealed_counters_;
    ExtractionBudget extraction_budget_;
    // The `extraction:` bounds and the counters above, as every decoder's transforms see them;
    // decoders keep a reference (the engine outlives its sessions).
    FileDecoding files_;
};

} // namespace egressmon::dpi
