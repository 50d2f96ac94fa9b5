#include "rules/file_conditions.h"

#include <fnmatch.h>

namespace egressmon::rules {

bool typeAndNameHold(const FileConditions& c, const FileFacts& f) noexcept {
    if (!c.allowsType(f.type)) return false;
    if (c.names.empty()) return true;
    // FNM_CASEFOLD folds ASCII only: "*.KDBX" matches "x.kdbx"; CJK names compare as bytes.
    for (const std::string& glob : c.names)
        if (fnmatch(glob.c_str(), f.name, FNM_CASEFOLD) == 0) return true;
    return false;
}

bool holdAlready(const FileConditions& c, const FileFacts& f) noexcept {
    if (!typeAndNameHold(c, f) || f.size < c.min_size) return false;
    // Only "true" is final while the file is open: it may still turn out encrypted, or cut.
    if (c.encrypted && (!*c.encrypted || !f.encrypted)) return false;
    if (c.uninspectable && (!*c.uninspectable || !f.uninspectable)) return false;
    return true;
}

bool holdAtEnd(const FileConditions& c, const FileFacts& f) noexcept {
    if (!typeAndNameHold(c, f) || f.size < c.min_size) return false;
    if (c.encrypted && *c.encrypted != f.encrypted) return false;
    if (c.uninspectable && *c.uninspectable != f.uninspectable) return false;
    return true;
}

} // namespace egressmon::rules
