#pragma once
// One file seen in the traffic, as the inspection stage reports it when the file ends, before it
// becomes an EVE `fileinfo` record (`--files`, INTERFACE.md "Files inside the traffic").
// Plain data, built on the worker thread that owns the flow.

#include <cstdint>
#include <string>

namespace egressmon::core {

struct FileRecord {
    uint64_t ts_us = 0;           // capture time of the packet that ended the file
    bool to_server = true;        // the file's bytes travelled client -> server
    std::string filename;         // the path from the outermost file, joined with '/'
    std::string magic;            // the type name (core/file_type.h)
    uint64_t size = 0;            // bytes of the file seen, holes included
    bool gaps = false;            // bytes of it were lost
    const char* state = "CLOSED"; // CLOSED, TRUNCATED (holes, cut, a bound) or ERROR (corrupt)
    std::string sha256;           // 64 hex digits when every byte was seen; else empty
};

} // namespace egressmon::core
