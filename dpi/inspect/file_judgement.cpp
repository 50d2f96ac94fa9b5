#include "dpi/inspect/file_judgement.h"

#include <algorithm>

namespace egressmon::dpi {

rules::FileFacts fileFacts(const LayerTable& table, LayerId file) noexcept {
    const LayerFile& f = table.files[file - 1];
    rules::FileFacts facts;
    facts.type = f.type;
    facts.name = f.name.c_str();
    facts.encrypted = f.encrypted;
    facts.uninspectable = f.uninspectable != nullptr;
    facts.size = table.slots[file - 1].offset;
    return facts;
}

LayerId judgedFile(const LayerTable& table, LayerId at, const rules::Rule& rule) noexcept {
    LayerId file = table.fileAtOrAbove(at);
    if (!rule.file_conditions.present) {
        LayerId outermost = file;
        for (; file != kNoLayer; file = table.fileAbove(file))
            outermost = file;
        return outermost;
    }
    for (; file != kNoLayer; file = table.fileAbove(file))
        if (rules::typeAndNameHold(rule.file_conditions, fileFacts(table, file))) return file;
    return kNoLayer;
}

core::AlertFile describeFile(const LayerTable& table, LayerId innermost, LayerId described) {
    core::AlertFile out;
    const LayerFile& f = table.files[described - 1];
    out.name = f.name;
    out.type = core::fileTypeName(f.type);
    out.encrypted = f.encrypted;
    if (f.uninspectable) out.uninspectable = f.uninspectable;
    for (LayerId file = innermost; file != kNoLayer; file = table.fileAbove(file))
        out.path.push_back(table.files[file - 1].name);
    std::reverse(out.path.begin(), out.path.end());
    return out;
}

} // namespace egressmon::dpi
