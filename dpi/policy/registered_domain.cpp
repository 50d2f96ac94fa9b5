#include "registered_domain.h"

#include <cstring>
#include <stdexcept>

namespace egressmon::dpi {

namespace {

// libpsl walks a name label by label from the left, testing each suffix against the list. Only
// the rightmost labels can matter: the list's deepest rule has 5 labels (a wildcard such as
// "*.compute.amazonaws.com.cn"), so the registrable domain has at most 6. Giving libpsl the last
// kTailLabels labels keeps a 60-label tunnel name from costing 60 lookups, and keeps arbitrary
// bytes in the data labels away from libpsl's IDNA conversion.
constexpr size_t kTailLabels = 10;

bool ruleBytes(std::string_view label) noexcept {
    for (const char c : label) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F) return false;
    }
    return true;
}

} // namespace

RegisteredDomains::RegisteredDomains() {
    if (psl_ctx_t* latest = psl_latest(nullptr); latest != nullptr) {
        if (latest == psl_builtin()) {
            psl_ = latest;
            source_ = Source::kBuiltin;
        } else {
            owned_.reset(latest);
            psl_ = latest;
            source_ = Source::kDistributionFile;
        }
    } else {
        psl_ = psl_builtin();
        source_ = Source::kBuiltin;
    }
    if (psl_ == nullptr) {
        throw std::runtime_error(
            "libpsl: no public suffix list (neither " +
            std::string(psl_dist_filename() ? psl_dist_filename() : "a distribution file") +
            " nor a built-in list)");
    }
}

std::string_view RegisteredDomains::sourceName() const noexcept {
    if (source_ == Source::kDistributionFile && psl_dist_filename() != nullptr) {
        return psl_dist_filename();
    }
    return "libpsl built-in list";
}

std::string_view RegisteredDomains::registeredDomain(std::string_view name) const noexcept {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty()) return name;
    // The tail given to libpsl: the last kTailLabels labels, stopping before a label with a byte
    // no list rule has (controls, space, non-ASCII: rules are ASCII on the wire, IDNs in
    // punycode), which can only be the leftmost label of a registrable domain.
    size_t end = name.size(); // end of the label looked at
    size_t tail_start = name.size();
    size_t labels = 0;
    while (labels < kTailLabels) {
        const size_t dot = end == 0 ? std::string_view::npos : name.rfind('.', end - 1);
        const size_t label_start = dot == std::string_view::npos ? 0 : dot + 1;
        if (!ruleBytes(name.substr(label_start, end - label_start))) break;
        tail_start = label_start;
        ++labels;
        if (dot == std::string_view::npos) break;
        end = dot;
    }
    if (labels == 0) return name; // the last label itself has odd bytes: nothing to look up
    const std::string_view tail = name.substr(tail_start);
    char buf[256]; // names hold at most 253 bytes; libpsl reads NUL-terminated strings
    const size_t n = tail.size() < sizeof buf - 1 ? tail.size() : sizeof buf - 1;
    std::memcpy(buf, tail.data(), n);
    buf[n] = '\0';
    if (const char* regdom = psl_registrable_domain(psl_, buf); regdom != nullptr) {
        return name.substr(tail_start + static_cast<size_t>(regdom - buf));
    }
    // The tail is a public suffix (or libpsl refused it): the label before it, if any, makes
    // the registrable domain.
    if (tail_start == 0) return name;
    const size_t dot = tail_start >= 2 ? name.rfind('.', tail_start - 2) : std::string_view::npos;
    return name.substr(dot == std::string_view::npos ? 0 : dot + 1);
}

std::string_view RegisteredDomains::subdomainPart(std::string_view name,
                                                  std::string_view registered) noexcept {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (registered.size() >= name.size()) return {};
    std::string_view left = name.substr(0, name.size() - registered.size());
    if (!left.empty() && left.back() == '.') left.remove_suffix(1);
    return left;
}

} // namespace egressmon::dpi
