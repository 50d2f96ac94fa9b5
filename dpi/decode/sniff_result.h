#pragma once
// The answer of a protocol sniffer over a stream's first bytes: a decoder for it, none, or too
// few bytes to tell yet (the caller holds a bounded prefix and asks again).
namespace egressmon::dpi {
enum class SniffResult { kYes, kNo, kNeedMore };
} // namespace egressmon::dpi
