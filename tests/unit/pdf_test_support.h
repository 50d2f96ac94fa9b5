#pragma once
// PDF files built in the tests of dpi/transform/pdf/: zlib-deflated stream data and a file of
// numbered objects with a classic xref table (offsets not checked by the scanner) and trailer.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

namespace egressmon::dpi::test {

inline std::string deflate(std::string_view data) {
    uLongf n = compressBound(data.size());
    std::string out(n, '\0');
    compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(data.data()),
              data.size(), 9);
    out.resize(n);
    return out;
}

struct PdfObject {
    std::string dict;
    std::optional<std::string> stream;
};

// Objects numbered from 1, an xref table and a trailer with `trailer_extra` inside its
// dictionary.
inline std::string pdfFile(const std::vector<PdfObject>& objects,
                           std::string_view trailer_extra = "") {
    std::string out = "%PDF-1.5\n%\xe2\xe3\xcf\xd3\n";
    for (size_t i = 0; i < objects.size(); ++i) {
        out += std::to_string(i + 1) + " 0 obj\n" + objects[i].dict;
        if (objects[i].stream) out += "\nstream\n" + *objects[i].stream + "\nendstream";
        out += "\nendobj\n";
    }
    out += "xref\n0 " + std::to_string(objects.size() + 1) + "\ntrailer\n<< /Size " +
           std::to_string(objects.size() + 1) + " /Root 1 0 R " + std::string(trailer_extra) +
           " >>\nstartxref\n0\n%%EOF\n";
    return out;
}

} // namespace egressmon::dpi::test
