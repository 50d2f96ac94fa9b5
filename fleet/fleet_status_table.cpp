#include "fleet/fleet_status_table.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace egressmon::fleet {

namespace {

constexpr std::array<const char*, 9> kHeader = {
    "SENSOR", "VERSION", "POLICY", "AGE", "PKTS/S", "DROPS", "ALERTS", "SPOOL", "LAST-ERROR"};

// Control bytes (a newline in a name, an escape sequence in an error) become '?'.
std::string printable(const std::string& text) {
    if (text.empty()) return "-";
    std::string out = text;
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return out;
}

std::string policyColumn(const Heartbeat& h) {
    std::string out = h.policy_version.empty() ? "" : printable(h.policy_version);
    if (h.bundle_version) {
        if (!out.empty()) out += ' ';
        out += "bundle ";
        out += std::to_string(*h.bundle_version);
    }
    return out.empty() ? "-" : out;
}

std::string rate(double packets_per_sec) {
    char text[40];
    std::snprintf(text, sizeof text, "%.1f", packets_per_sec);
    return text;
}

// Display width: UTF-8 continuation bytes take no column (wide characters are rare in sensor
// names and only shift their own line).
size_t width(const std::string& s) {
    return static_cast<size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

int64_t ageMs(const Heartbeat& h, uint64_t now_ms) {
    return now_ms >= h.time_ms
               ? static_cast<int64_t>(std::min<uint64_t>(now_ms - h.time_ms, INT64_MAX))
               : -static_cast<int64_t>(std::min<uint64_t>(h.time_ms - now_ms, INT64_MAX));
}

} // namespace

void FleetStatusTable::add(Heartbeat h) {
    const auto it = latest_.find(h.sensor);
    if (it == latest_.end()) {
        std::string name = h.sensor;
        latest_.emplace(std::move(name), std::move(h));
    } else if (h.time_ms >= it->second.time_ms) {
        it->second = std::move(h);
    }
}

bool FleetStatusTable::isStale(const Heartbeat& h, uint64_t now_ms) const {
    const uint64_t bound_s =
        stale_after_s_ ? *stale_after_s_ : 3 * uint64_t{h.heartbeat_interval_s};
    const int64_t age = ageMs(h, now_ms);
    // A bound past what an int64 age in ms can reach is never passed.
    if (age <= 0 || bound_s > static_cast<uint64_t>(INT64_MAX) / 1000) return false;
    return static_cast<uint64_t>(age) > bound_s * 1000;
}

std::vector<std::string> FleetStatusTable::lines(uint64_t now_ms) const {
    std::vector<std::array<std::string, kHeader.size()>> rows;
    std::vector<bool> stale;
    rows.push_back({});
    std::copy(kHeader.begin(), kHeader.end(), rows.back().begin());
    stale.push_back(false);
    for (const auto& [name, h] : latest_) {
        rows.push_back({printable(name), printable(h.version), policyColumn(h),
                        formatAge(ageMs(h, now_ms)), rate(h.packets_per_sec),
                        std::to_string(h.drops), std::to_string(h.alerts),
                        std::to_string(h.spool_bytes), printable(h.last_error)});
        stale.push_back(isStale(h, now_ms));
    }
    std::array<size_t, kHeader.size()> widths{};
    for (const auto& row : rows)
        for (size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], width(row[i]));
    std::vector<std::string> out;
    for (size_t r = 0; r < rows.size(); ++r) {
        std::string line;
        for (size_t i = 0; i < rows[r].size(); ++i) {
            line += rows[r][i];
            // The last column is not padded: nothing follows it but the stale flag.
            if (i + 1 < rows[r].size()) line.append(widths[i] - width(rows[r][i]) + 2, ' ');
        }
        if (stale[r]) line += "  STALE";
        out.push_back(std::move(line));
    }
    return out;
}

std::string formatAge(int64_t age_ms) {
    const bool negative = age_ms < 0;
    // Whole seconds, rounded toward zero; -age of INT64_MIN cannot happen (ageMs saturates).
    const uint64_t s = static_cast<uint64_t>(negative ? -age_ms : age_ms) / 1000;
    char text[48];
    if (s < 60)
        std::snprintf(text, sizeof text, "%llus", static_cast<unsigned long long>(s));
    else if (s < 3600)
        std::snprintf(text, sizeof text, "%llum%02llus", static_cast<unsigned long long>(s / 60),
                      static_cast<unsigned long long>(s % 60));
    else if (s < 86400)
        std::snprintf(text, sizeof text, "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
                      static_cast<unsigned long long>(s % 3600 / 60));
    else
        std::snprintf(text, sizeof text, "%llud%02lluh", static_cast<unsigned long long>(s / 86400),
                      static_cast<unsigned long long>(s % 86400 / 3600));
    std::string out = negative && s > 0 ? "-" : "";
    out += text;
    return out;
}

} // namespace egressmon::fleet
