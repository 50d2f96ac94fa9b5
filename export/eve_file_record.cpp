#include "eve_file_record.h"

#include "eve_alert_record.h"
#include "json_writer.h"

namespace egressmon::exporting {

std::string buildEveFileRecord(const core::AlertSubject& s, const core::FileRecord& f,
                               const std::string& sensor_name) {
    std::string out;
    out.reserve(512);
    JsonWriter w(out);
    w.beginObject();
    writeEveSubjectHeader(w, s, f.ts_us, "fileinfo", sensor_name);
    w.key("fileinfo").beginObject();
    w.field("filename", f.filename);
    w.field("magic", f.magic);
    w.field("gaps", f.gaps);
    w.field("state", f.state);
    if (!f.sha256.empty()) w.field("sha256", f.sha256);
    w.field("stored", false);
    w.field("size", f.size);
    w.endObject();
    writeEveNdpi(w, s);
    w.endObject();
    out.push_back('\n');
    return out;
}

} // namespace egressmon::exporting
