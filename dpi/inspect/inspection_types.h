#pragma once
// The bounds and counters of content inspection, shared by the inspection engine, its sessions
// and the packet adapter in front of them (dpi/flow_inspector.h). Plain data.

#include <cstdint>

#include "core/counter_table.h"
#include "core/tcp_reassembler.h"
#include "dpi/decode/http/http_decoder.h"
#include "dpi/decode/smtp/smtp_decoder.h"

namespace egressmon::dpi {

struct InspectionConfig {
    core::ReassemblyConfig reassembly;
    uint64_t reassembly_budget_bytes = 256ull << 20; // out-of-order bytes, whole worker
    uint64_t max_depth_bytes = 64ull << 20;          // inspected per flow direction
    uint32_t context_width = 0;                      // payload bytes allowed in a snippet
    uint32_t max_pending_alerts = 32;                // per flow, waiting for classification
    // Decoded layers open at once per direction (1..64): a body, its part, an archive in it,
    // an entry of that... each level of nesting holds one.
    uint32_t max_open_layers = 16;
    uint32_t max_file_depth = 8; // files inside files (extraction.max-depth, 1..64)
    // Decoded bytes per flow direction, every layer together (extraction.max-flow-decoded-
    // bytes): the per-body and per-entry bounds alone let one flow carry many of them.
    uint64_t max_flow_decoded_bytes = 1ull << 30;
    // inspection-tls-application-data: TLS application-data records are matched too (they are
    // ciphertext unless a test or a lab sends plaintext framed as TLS).
    bool tls_application_data = false;
    // --files: every file in either direction is decoded, hashed and reported when it ends.
    bool file_records = false;
    SmtpDecoderLimits smtp; // line, header and MIME nesting bounds
    HttpDecoderLimits http; // header and decompression bounds
    FileLimits files;       // files inside the traffic (archives): `extraction:`
};

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_INSPECTION_COUNTERS(X)                                                           \
    X(bytes_inspected, "bytes", "Stream and decoded-layer bytes scanned by the rules",             \
      counter::metric("egressmon_inspected_bytes_total"))                                          \
    X(depth_exceeded, "directions", "Flow directions whose inspection stopped at the depth limit", \
      counter::limit("inspection-depth"))                                                          \
    X(alerts, "alerts", "Alerts raised (by rule and severity: egressmon_alerts_total)",            \
      counter::stats("alerts"))                                                                    \
    X(repeat_matches, "matches", "Later matches of an already alerted (flow, rule)",               \
      counter::series("repeat_match"))                                                             \
    X(validator_rejected, "matches", "Matches a validator (Luhn, GB 11643) rejected",              \
      counter::series("validator_rejected"))                                                       \
    X(validator_unavailable, "matches",                                                            \
      "Matches a validator could no longer check (text left the history window)",                  \
      counter::series("validator_unavailable"))                                                    \
    X(protocol_filtered, "matches", "Matches outside a rule's protocols",                          \
      counter::series("protocol_filtered"))                                                        \
    X(file_filtered, "matches", "Matches outside a rule's file conditions",                        \
      counter::series("file_filtered"))                                                            \
    X(file_alerts_held, "matches",                                                                 \
      "Matches held until their file's end (its size, encrypted or uninspectable decide)",         \
      counter::series("file_alert_held"))                                                          \
    X(pending_overflow, "matches", "Matches dropped because too many waited for classification",   \
      counter::series("pending_overflow"))                                                         \
    X(layers_refused, "layers",                                                                    \
      "Decoded layers not opened because inspection-max-layers were open in the flow direction",   \
      counter::series("layer_refused").limit("inspection-max-layers"))                             \
    X(layer_bytes_refused, "bytes", "Decoded bytes of refused layers (not scanned)",               \
      counter::series("layer_byte_refused"))                                                       \
    X(files, "files", "Files reported to --files as they ended (nested files included)",           \
      counter::series("file_reported"))                                                            \
    X(file_records_lost, "records", "fileinfo records that could not be built (out of memory)",    \
      counter::series("file_record_lost"))                                                         \
    X(flow_decoded_exceeded, "directions",                                                         \
      "Flow directions whose decoding stopped at extraction.max-flow-decoded-bytes",               \
      counter::series("flow_decoded_exceeded").limit("extraction.max-flow-decoded-bytes"))         \
    X(file_depth_exceeded, "files",                                                                \
      "Files nested deeper than extraction.max-depth inside other files (not opened)",             \
      counter::series("file_depth_exceeded").limit("extraction.max-depth"))                        \
    X(classification_alerts_lost, "alerts",                                                        \
      "Application or risk alerts that could not be built (out of memory)",                        \
      counter::series("classification_alert_lost"))                                                \
    X(tls_ciphertext_bytes, "bytes",                                                               \
      "TLS application-data bytes not matched (inspection-tls-application-data: false)",           \
      counter::metric("egressmon_tls_ciphertext_bytes_skipped_total"))                             \
    X(tls_framing_lost, "directions",                                                              \
      "Directions that began as TLS records and then left the framing (scanned whole from there)", \
      counter::series("tls_framing_lost"))                                                         \
    /* one X(...) per counter, above this line */

struct InspectionCounters {
    EGRESSMON_INSPECTION_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(InspectionCounters, EGRESSMON_INSPECTION_COUNTERS, "inspection",
                            "inspection", "egressmon_inspection_events_total")
    EGRESSMON_COUNTER_SUM(InspectionCounters)
};

} // namespace egressmon::dpi
