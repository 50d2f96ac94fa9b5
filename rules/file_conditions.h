#pragma once
// Whether a file meets a rule's `file:` conditions. Some conditions can be decided as soon as
// the file begins (its type and name), others only grow true while it is read (its size passes
// min-size, an encrypted entry turns up) and some hold only once it has ended unchanged
// (`encrypted: false`, `uninspectable: false`): a match inside a file waits for the file's end
// when its rule needs that.
//
// Thread: any; pure functions. noexcept.

#include <cstdint>

#include "core/file_type.h"
#include "rules/rule.h"

namespace egressmon::rules {

// What is known of one file (so far, while it is open).
struct FileFacts {
    core::FileType type = core::FileType::Binary;
    const char* name = ""; // as sent, UTF-8; "" when none
    bool encrypted = false;
    bool uninspectable = false;
    uint64_t size = 0; // bytes of the file seen
};

// Type and name: fixed once the file has begun (a ZIP's type may still be refined to docx...).
bool typeAndNameHold(const FileConditions& c, const FileFacts& f) noexcept;
// Every condition holds, and reading more of the file cannot undo it.
bool holdAlready(const FileConditions& c, const FileFacts& f) noexcept;
// Every condition holds for a file that has ended.
bool holdAtEnd(const FileConditions& c, const FileFacts& f) noexcept;

} // namespace egressmon::rules
