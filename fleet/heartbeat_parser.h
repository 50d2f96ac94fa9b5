#pragma once
// The bounds of fleet::parseHeartbeat() (declared in heartbeat.h, written in
// heartbeat_parser.cpp). A status topic is open to any producer the cluster lets in, so what
// `egressmon fleet status` reads is bounded before it is parsed.

#include <cstddef>

namespace egressmon::fleet {

// A heartbeat is a few hundred bytes; a longer record is refused unread.
inline constexpr size_t kMaxHeartbeatBytes = 64 * 1024;
// Objects and arrays nest at most this deep inside an unknown field (the record itself is
// depth 1): deeper ones are refused, so skipping them costs bounded stack.
inline constexpr size_t kMaxHeartbeatDepth = 16;
// packets_per_sec above this is refused: no sensor captures that much, and the writer's
// fixed six-decimal form of larger values would not fit its buffer.
inline constexpr double kMaxPacketsPerSec = 1e18;

} // namespace egressmon::fleet
