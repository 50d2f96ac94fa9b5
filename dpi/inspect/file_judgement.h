#pragma once
// Internal to the inspection session: rules' `file:` conditions judged on the files of a
// direction's layer tree (LayerTable), and alert.context.dlp.file described from it.
//
// An alert is about one file, the *judged* file: for a rule with file conditions the innermost
// file around the match (or the file that ended) whose type and name meet them; for a rule
// without, the outermost file around the match: the one that left the network. Its `path` runs
// from the outermost file down to the file the match was in (or the rule fired on).
//
// Thread: the worker owning the session.

#include <cstdint>

#include "core/alert.h"
#include "dpi/inspect/layer_table.h"
#include "rules/file_conditions.h"
#include "rules/rule.h"

namespace egressmon::dpi {

rules::FileFacts fileFacts(const LayerTable& table, LayerId file) noexcept;

// The file a match in layer `at` is judged on (see above); kNoLayer when no file around the
// match meets the rule's type and name conditions, or there is no file at all.
LayerId judgedFile(const LayerTable& table, LayerId at, const rules::Rule& rule) noexcept;

// alert.context.dlp.file for `described`, its path running down to `innermost` (a file at or
// below it). May throw std::bad_alloc.
core::AlertFile describeFile(const LayerTable& table, LayerId innermost, LayerId described);

} // namespace egressmon::dpi
