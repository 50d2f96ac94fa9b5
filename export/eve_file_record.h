#pragma once
// Builds the EVE `fileinfo` record (`--files`, INTERFACE.md "Files inside the traffic") of a
// file that ended: src_* sent the file, dest_* received it; `fileinfo.filename` is the file's
// path from the outermost file joined with '/', `magic` its type name. Called on the worker
// thread that owns the flow.

#include <string>

#include "core/alert_subject.h"
#include "core/file_record.h"

namespace egressmon::exporting {

// One JSON object followed by '\n'.
std::string buildEveFileRecord(const core::AlertSubject& subject, const core::FileRecord& file,
                               const std::string& sensor_name);

} // namespace egressmon::exporting
