#include "icap/icap_block_page.h"

#include "icap/icap_responses.h"

namespace egressmon::icap {

std::string renderBlockPage(std::string_view page_template, const BlockDecision& block) {
    std::string out;
    out.reserve(page_template.size() + 64);
    const std::string sid = block.signature_id ? std::to_string(block.signature_id) : "-";
    size_t pos = 0;
    while (pos < page_template.size()) {
        const size_t open = page_template.find('{', pos);
        if (open == std::string_view::npos) break;
        out.append(page_template.substr(pos, open - pos));
        const std::string_view rest = page_template.substr(open);
        if (rest.starts_with("{sid}")) {
            appendHtmlEscaped(out, sid);
            pos = open + 5;
        } else if (rest.starts_with("{rule}")) {
            appendHtmlEscaped(out, block.signature);
            pos = open + 6;
        } else if (rest.starts_with("{alert_id}")) {
            appendHtmlEscaped(out, block.alert_id.empty() ? "-" : block.alert_id);
            pos = open + 10;
        } else {
            out.push_back('{');
            pos = open + 1;
        }
    }
    if (pos < page_template.size()) out.append(page_template.substr(pos));
    return out;
}

} // namespace egressmon::icap
