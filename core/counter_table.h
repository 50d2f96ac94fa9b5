#pragma once
// Counters declared once. Each counter group (a struct of plain uint64_t counters, bumped on the
// packet path) is an X-macro list next to its struct, one line per counter:
//
//   #define EGRESSMON_FOO_COUNTERS(X) X(field_name, "unit", "Help text", EXPORTS) ...
//
// one X(...) per line, EXPORTS built with egressmon::counter's helpers, e.g.
// counter::series("label_value").limit("config.key").
//
// and the struct expands it into its fields, its operator+=, a static table of CounterInfo and
// a visitor (EGRESSMON_COUNTER_FIELD, EGRESSMON_COUNTER_TABLE). From that one line come the
// struct field, the sum, the `--stats` key (app/run_summary.cpp), the Prometheus series
// (app/metrics_collector.cpp) and the rows of docs/METRICS.md (app/metrics_reference.cpp; a unit
// test keeps the file equal to them). Adding a counter is adding one line to a list.
//
// The fields stay plain uint64_t members: the tables cost nothing on the packet path.
//
// The sink counters (exporting::SinkCounters) have a table of their own shape in
// export/record_writer.h (EGRESSMON_SINK_COUNTERS): per-sink label, gauges, Kafka-only series.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace egressmon::core {

// Where one counter is exported besides its struct field. Built with the helpers in
// core::counter and chained: counter::series("evicted").limit("defrag.max-datagrams").
struct CounterExports {
    // --stats: by default the key is the field name inside the group's object (CounterGroupInfo);
    // `stats_path` ("object.key") puts it elsewhere; `in_stats` false leaves it out.
    bool in_stats = true;
    const char* stats_path = nullptr;
    // Prometheus: a sample of `family` (null: the group's family) with the family's label set to
    // `label`; or, with `label` null and `family` set, a family of its own with one unlabelled
    // sample (HELP: the counter's help). Neither: not exported.
    const char* family = nullptr;
    const char* label = nullptr;
    bool per_worker = false; // one sample per worker (label worker="N"), not the sum
    bool rules_only = false; // exported only when rules are loaded (--rules)
    // egressmon_limit_hits_total{limit=`limit_key`}: the configuration key of the bound this
    // counter counts hits of. With `limit_minus`, the hits are this counter minus that other
    // counter of the same group (a counter that also counts another bound's hits, "of which").
    const char* limit_key = nullptr;
    const char* limit_minus = nullptr;

    // Each builder returns a copy with its fields set. Written out rather than through a
    // lambda-taking helper: Clang (14) does not evaluate such a helper in the in-class
    // constexpr tables (`kCounters`), and the fuzz build is Clang's.
    constexpr CounterExports series(const char* value) const {
        CounterExports e = *this;
        e.label = value;
        return e;
    }
    constexpr CounterExports in(const char* family_name, const char* value) const {
        CounterExports e = *this;
        e.family = family_name, e.label = value;
        return e;
    }
    constexpr CounterExports metric(const char* family_name) const {
        CounterExports e = *this;
        e.family = family_name, e.label = nullptr;
        return e;
    }
    constexpr CounterExports limit(const char* key, const char* minus = nullptr) const {
        CounterExports e = *this;
        e.limit_key = key, e.limit_minus = minus;
        return e;
    }
    constexpr CounterExports stats(const char* path) const {
        CounterExports e = *this;
        e.stats_path = path;
        return e;
    }
    constexpr CounterExports noStats() const {
        CounterExports e = *this;
        e.in_stats = false;
        return e;
    }
    constexpr CounterExports perWorker() const {
        CounterExports e = *this;
        e.per_worker = true;
        return e;
    }
    constexpr CounterExports withRules() const {
        CounterExports e = *this;
        e.rules_only = true;
        return e;
    }
    constexpr bool inPrometheus() const { return family != nullptr || label != nullptr; }
};

// One table line.
struct CounterInfo {
    const char* name; // the struct field
    const char* unit; // what one count is ("flows", "bytes", ...)
    const char* help; // HELP text, --stats and METRICS.md meaning
    CounterExports exports;
};

// What a whole group shares.
struct CounterGroupInfo {
    const char* id;           // the group's name in docs/METRICS.md's generated blocks
    const char* stats_object; // --stats object of the group's counters (null: none)
    const char* family;       // Prometheus family of counter::series(...) lines (null: none)
    const char* fixed_label = nullptr; // a label every series of the group carries ...
    const char* fixed_value = nullptr; // ... with this value (decoder="http")
};

// A table line's use in a struct: the field.
#define EGRESSMON_COUNTER_FIELD(name, unit, help, exports) uint64_t name = 0;

#define EGRESSMON_COUNTER_INFO_(name, unit, help, exports)                                         \
    ::egressmon::core::CounterInfo{#name, unit, help, exports},
#define EGRESSMON_COUNTER_VISIT_(name, unit, help, exports) fn(kCounters[i++], name);
#define EGRESSMON_COUNTER_ADD_(name, unit, help, exports) name += o.name;

// Inside the struct, after the fields: kCounters (the table), kCounterGroup, forEachCounter(fn)
// calling fn(const CounterInfo&, uint64_t value) per line in order, and addCounters(o).
#define EGRESSMON_COUNTER_TABLE(Self, LIST, ...)                                                   \
    static constexpr ::egressmon::core::CounterInfo kCounters[] = {LIST(EGRESSMON_COUNTER_INFO_)}; \
    static constexpr ::egressmon::core::CounterGroupInfo kCounterGroup{__VA_ARGS__};               \
    template <class Fn> void forEachCounter(Fn&& fn) const {                                       \
        size_t i = 0;                                                                              \
        LIST(EGRESSMON_COUNTER_VISIT_)                                                             \
    }                                                                                              \
    void addCounters(const Self& o) noexcept {                                                     \
        LIST(EGRESSMON_COUNTER_ADD_)                                                               \
    }

// operator+= summing every counter of the table (for structs that hold nothing else to sum).
#define EGRESSMON_COUNTER_SUM(Self)                                                                \
    Self& operator+=(const Self& o) noexcept {                                                     \
        addCounters(o);                                                                            \
        return *this;                                                                              \
    }

// The value of the counter named `name` in `c` (0 when there is none).
template <class Counters> uint64_t counterValue(const Counters& c, const char* name) noexcept {
    uint64_t value = 0;
    c.forEachCounter([&](const CounterInfo& info, uint64_t v) {
        if (std::strcmp(info.name, name) == 0) value = v;
    });
    return value;
}

} // namespace egressmon::core

namespace egressmon {
// The helpers a table line starts its exports with (egressmon::counter, so that a table in any
// egressmon namespace names them counter::...).
namespace counter {
inline constexpr core::CounterExports statsOnly{};
constexpr core::CounterExports series(const char* value) {
    return core::CounterExports{}.series(value);
}
constexpr core::CounterExports in(const char* family, const char* value) {
    return core::CounterExports{}.in(family, value);
}
constexpr core::CounterExports metric(const char* family) {
    return core::CounterExports{}.metric(family);
}
constexpr core::CounterExports limit(const char* key, const char* minus = nullptr) {
    return core::CounterExports{}.limit(key, minus);
}
constexpr core::CounterExports stats(const char* path) {
    return core::CounterExports{}.stats(path);
}
} // namespace counter
} // namespace egressmon
