// Rule files (rules/rule_loader.h, rules/rule_set.h): the input is the text of one rule file,
// loaded and compiled as start-up and SIGHUP reloads do (RuleSet::load: read, YAML parse, rule
// checks, keyword encodings, one Hyperscan database). Bad input must end in RuleError, the one
// exception the loader documents; anything else escaping (a YAML exception, std::bad_alloc from
// a bogus size, a crash) is a finding.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "rules/rule_set.h"
#include "temp_dir.h"

using namespace egressmon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const fuzz::TempDir dir;
    static const std::string path = (dir.path() / "rules.yaml").string();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) std::abort();
    if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    try {
        const auto set = rules::RuleSet::load({path});
        // A loaded set is usable: a database exactly when there are patterns (a set of
        // file-only rules has none), and every rule has patterns, judges files, or judges a
        // classification on at least one condition (categories and risks on no other kind).
        if ((set->database() == nullptr) != set->patterns().empty()) std::abort();
        size_t classification = 0, volume = 0;
        for (const rules::Rule& r : set->rules()) {
            if (r.hasContent() + r.fileOnly() + r.classificationOnly() != 1) std::abort();
            if (r.isVolume()) {
                if (!r.classificationOnly() || r.volume->bytes == 0 || r.volume->window_s == 0)
                    std::abort();
                ++volume;
            } else if (r.classificationOnly()) {
                ++classification;
                if (r.protocols.empty() && r.categories.empty() && r.risks == 0) std::abort();
            } else if (!r.categories.empty() || r.risks != 0) {
                std::abort();
            }
        }
        if (classification != set->classificationRules().size()) std::abort();
        if (volume != set->volumeRules().size()) std::abort();
    } catch (const rules::RuleError&) {
        // Rejected with a message, as documented.
    }
    return 0;
}
