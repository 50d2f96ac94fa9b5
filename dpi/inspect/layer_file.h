#pragma once
// Internal to the inspection session: what is known of the file an open decoded layer carries
// (LayerInfo::file): its name as sent, its type (sniffed, then refined), and whether it turned
// out encrypted or not fully inspected. Content alerts whose rule's file conditions can only
// be decided by the whole file (its final size, `encrypted: false`...) wait here for its end.
//
// Thread: the worker owning the session. noexcept (a name that cannot be copied is left empty).

#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "dpi/file/sha256_digest.h"
#include "dpi/transform/layer_info.h"

namespace egressmon::dpi {

struct LayerFile {
    // Content alerts held per file at most; more are counted (file_alerts_dropped).
    static constexpr size_t kMaxHeldAlerts = 8;

    bool is_file = false;
    FileType type = FileType::Binary;
    bool encrypted = false;
    const char* uninspectable = nullptr; // the first reason told
    std::string name;                    // as sent; "" when none
    struct HeldAlert {
        uint32_t rule_index;
        core::Alert alert;
    };
    std::vector<HeldAlert> held;
    // For the file's record (--files): its digest while every byte has been seen, and whether
    // bytes were lost.
    Sha256Digest digest;
    bool gaps = false;

    // `records`: a fileinfo record will be written, so the file is hashed.
    void begin(const LayerInfo& info, bool records) noexcept {
        is_file = info.file;
        type = info.file_type;
        encrypted = false;
        uninspectable = nullptr;
        held.clear();
        gaps = false;
        name.clear();
        if (!is_file) return;
        if (records) digest.begin();
        try {
            name.assign(info.file_name);
        } catch (const std::bad_alloc&) {
            name.clear(); // the file is still judged and described, unnamed
        }
    }
    void end() noexcept {
        is_file = false;
        held.clear();
    }
};

} // namespace egressmon::dpi
