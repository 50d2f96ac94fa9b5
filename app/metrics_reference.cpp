#include "app/metrics_reference.h"

#include <stdexcept>

#include "app/counter_export.h"
#include "capture/decode_error.h"
#include "export/record_writer.h"

namespace egressmon::app {

namespace {

constexpr std::string_view kBegin = "<!-- BEGIN generated from the counter tables: ";
constexpr std::string_view kEnd = "<!-- END generated: ";

std::string code(std::string_view s) {
    // Appended in place: GCC 12 at -O3 warns (-Wrestrict, a known false positive) on
    // "`" + std::string(s) once this is inlined.
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('`');
    out.append(s);
    out.push_back('`');
    return out;
}

// The Prometheus series of one line, for the reference ("—": none).
std::string seriesOf(const core::CounterInfo& info, const core::CounterGroupInfo& group) {
    const core::CounterExports& e = info.exports;
    std::string out;
    if (const char* family = familyOf(info, group)) {
        std::string series = family;
        if (e.per_worker) {
            series += "{worker=\"N\"}";
        } else if (e.label) {
            const SharedFamily* shared = sharedFamily(family);
            series += "{";
            if (!e.family && group.fixed_label)
                series += std::string(group.fixed_label) + "=\"" + group.fixed_value + "\",";
            series += std::string(shared ? shared->label : "?") + "=\"" + e.label + "\"}";
        }
        out = code(series);
        if (e.rules_only) out += " (with `--rules`)";
    }
    if (e.limit_key) {
        if (!out.empty()) out += "<br>";
        out += code(std::string(kLimitHits.name) + "{limit=\"" + e.limit_key + "\"}");
        if (e.limit_minus) out += " (less " + code(e.limit_minus) + ")";
    }
    return out.empty() ? "—" : out;
}

template <class Group> std::string renderGroup(const Group& c) {
    std::string out = "| `--stats` key | Prometheus series | Unit | Meaning |\n|---|---|---|---|\n";
    c.forEachCounter([&](const core::CounterInfo& info, uint64_t) {
        const std::string stats = statsPath(info, Group::kCounterGroup);
        out += "| " + (stats.empty() ? std::string("—") : code(stats)) + " | " +
               seriesOf(info, Group::kCounterGroup) + " | " + info.unit + " | " + info.help +
               " |\n";
    });
    return out;
}

std::string renderLimits() {
    std::string out = "| `limit` | Counts | `--stats` key |\n|---|---|---|\n";
    forEachCounterGroup([&](const auto& c) {
        using Group = std::decay_t<decltype(c)>;
        c.forEachCounter([&](const core::CounterInfo& info, uint64_t) {
            if (!info.exports.limit_key) return;
            const std::string stats = statsPath(info, Group::kCounterGroup);
            out += "| " + code(info.exports.limit_key) + " | " + info.help + " | " +
                   (stats.empty() ? std::string("—") : code(stats));
            if (info.exports.limit_minus) out += " less " + code(info.exports.limit_minus);
            out += " |\n";
        });
    });
    out += "| " + code(kSpoolLimit.key) + " | " + kSpoolLimit.help + " | " +
           code(kSpoolLimit.stats) + " |\n";
    return out;
}

// The sink counters (EGRESSMON_SINK_COUNTERS), one row per counter.
std::string renderSinks() {
    std::string out = "| `--stats` key | Prometheus series | Type | Unit | Meaning |\n"
                      "|---|---|---|---|---|\n";
    exporting::SinkCounters{}.forEachCounter([&](const exporting::SinkCounterInfo& info, uint64_t) {
        std::string stats = info.stats ? code(info.stats) : std::string("—");
        if (info.stats && info.kafka_only) stats += " (Kafka)";
        std::string series, type;
        for (const exporting::SinkSeries& s : info.exports.series) {
            if (!s.family) continue;
            const exporting::SinkFamily* family = nullptr;
            for (const auto& f : exporting::kSinkFamilies)
                if (std::string_view(f.name) == s.family) family = &f;
            if (!series.empty()) series += "<br>";
            std::string name = std::string(s.family) + "{sink";
            if (s.reason) name += std::string(",reason=\"") + s.reason + "\"";
            series += code(name + "}");
            if (family && family->kafka_only) series += " (Kafka)";
            if (type.empty()) type = family && family->gauge ? "gauge" : "counter";
        }
        out += "| " + stats + " | " + (series.empty() ? std::string("—") : series) + " | " +
               (type.empty() ? std::string("—") : type) + " | " + info.unit + " | " + info.help +
               " |\n";
    });
    return out;
}

// capture::DecodeError's reasons (EGRESSMON_DECODE_ERRORS).
std::string renderDecodeErrors() {
    std::string out = "| `--stats` key | `reason` | Meaning |\n|---|---|---|\n";
    for (size_t i = 1; i < capture::kDecodeErrorNames.size(); ++i)
        out += "| " + code(std::string("decode_errors.") + capture::kDecodeErrorNames[i]) + " | " +
               code(capture::kDecodeErrorNames[i]) + " | " + capture::kDecodeErrorHelp[i] + " |\n";
    return out;
}

} // namespace

std::vector<std::string> metricsBlockIds() {
    std::vector<std::string> ids;
    forEachCounterGroup([&](const auto& c) {
        ids.push_back(std::string("counters:") + std::decay_t<decltype(c)>::kCounterGroup.id);
    });
    ids.push_back("decode_errors");
    ids.push_back("limits");
    ids.push_back("sinks");
    return ids;
}

std::string renderMetricsBlock(std::string_view id) {
    if (id == "limits") return renderLimits();
    if (id == "decode_errors") return renderDecodeErrors();
    if (id == "sinks") return renderSinks();
    std::string out;
    bool found = false;
    forEachCounterGroup([&](const auto& c) {
        using Group = std::decay_t<decltype(c)>;
        if (id == std::string("counters:") + Group::kCounterGroup.id) {
            out = renderGroup(c);
            found = true;
        }
    });
    if (!found) throw std::invalid_argument("no generated metrics block '" + std::string(id) + "'");
    return out;
}

std::string regenerateMetricsDoc(const std::string& doc) {
    std::string out;
    size_t pos = 0;
    for (;;) {
        const size_t begin = doc.find(kBegin, pos);
        if (begin == std::string::npos) break;
        const size_t id_end = doc.find(" -->\n", begin);
        if (id_end == std::string::npos) throw std::invalid_argument("unterminated block marker");
        const std::string id(doc, begin + kBegin.size(), id_end - begin - kBegin.size());
        const std::string end_marker = std::string(kEnd) + id + " -->";
        const size_t end = doc.find(end_marker, id_end);
        if (end == std::string::npos)
            throw std::invalid_argument("generated metrics block '" + id + "' has no end marker");
        out.append(doc, pos, id_end + 5 - pos);
        out += renderMetricsBlock(id);
        pos = end;
    }
    out.append(doc, pos, std::string::npos);
    return out;
}

} // namespace egressmon::app
