#pragma once
// The data of one PDF stream object decoded through its /Filter chain (ISO 32000-1 §7.4),
// pushed in pieces of any size: FlateDecode, ASCIIHexDecode, ASCII85Decode, LZWDecode and
// RunLengthDecode, up to kMaxFilters of them, the first applied first to the raw bytes. The
// filters that do not give text (DCTDecode, JBIG2Decode, CCITTFaxDecode, JPXDecode, Crypt...)
// are not decoded: pdfFilterByName() has no value for them and the caller skips the stream.
//
//   - Flate: a zlib stream, or raw deflate when the first two bytes are not a zlib header (as
//     readers accept). A stream cut before its end (or its adler32) gives what it decoded.
//   - ASCIIHex: whitespace skipped, '>' ends, an odd last digit is followed by 0.
//   - ASCII85: whitespace skipped, 'z' is four zero bytes, '~' ends (the '>' after it is not
//     waited for), a last group of n chars gives n-1 bytes, a leading "<~" is skipped.
//   - LZW: 9-12 bit codes, /EarlyChange 1 or 0; a full table keeps 12-bit codes until a clear.
//   - RunLength: literal runs, repeated bytes, 128 ends.
//
// Each stage streams into the next: what a prefix of the raw data decodes to is out before
// feed() returns, so the output and the status are the same however the input is split.
//
// Bounds: the final output never passes `max_output` (appended up to it, then TooLarge), nor
// `max_ratio` times the raw bytes fed once 64 KiB are out (raw bytes counted in whole 4 KiB
// steps, so that the cut falls at the same byte however the input was split). Each stage's
// own output is bounded by `max_output` too, so no stage in the middle of a chain can blow up.
// Corrupt, TooLarge and NoMemory are final: later input is ignored.
//
// Thread: the worker that owns the flow. Memory: per stage, Flate ~44 KiB of zlib state (from
// its first byte), LZW a 4096-entry table (~24 KiB) and a 4 KiB string buffer, the others a few
// bytes; stages hand on their output through stack buffers of at most 16 KiB. noexcept: an
// allocation failure gives NoMemory.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace egressmon::dpi {

enum class PdfFilter : uint8_t { Flate, AsciiHex, Ascii85, Lzw, RunLength };

// "FlateDecode"/"Fl", "ASCIIHexDecode"/"AHx", "ASCII85Decode"/"A85", "LZWDecode"/"LZW",
// "RunLengthDecode"/"RL" (the name without its leading '/'); nullopt for others (DCTDecode,
// JBIG2Decode, CCITTFaxDecode, JPXDecode, Crypt...: not text, the caller skips the stream).
std::optional<PdfFilter> pdfFilterByName(std::string_view name) noexcept;

enum class PdfFilterStatus : uint8_t {
    Active,   // more data may come
    Done,     // a filter's end-of-data marker was reached, or finish() was called
    Corrupt,  // data a filter cannot decode; what came before it was appended
    TooLarge, // a bound was reached: max_output, max_ratio, or a stage's output
    NoMemory, // an allocation failed
};

namespace pdf_filter_detail {
class Stage; // one filter's decoder (pdf_filter_chain.cpp)
} // namespace pdf_filter_detail

class PdfFilterChain {
  public:
    static constexpr size_t kMaxFilters = 4; // more in one /Filter array: init() returns false
    static constexpr uint64_t kRatioGrace = 64 * 1024; // output before max_ratio is checked
    static constexpr uint64_t kRatioStep = 4 * 1024;   // raw bytes counted in these steps

    PdfFilterChain() noexcept;
    ~PdfFilterChain();
    PdfFilterChain(const PdfFilterChain&) = delete;
    PdfFilterChain& operator=(const PdfFilterChain&) = delete;

    // `filters` in the order the PDF lists them (the first is applied first to the raw bytes).
    // `max_output`: the decoded bytes this chain may append in all; past it: TooLarge.
    // `max_ratio`: decoded bytes / raw bytes fed, checked once 64 KiB are out (0: no check);
    // past it: TooLarge (a flate bomb). `lzw_early_change` from /DecodeParms /EarlyChange
    // (default 1). May be called again to decode another stream. False (status() Corrupt, or
    // NoMemory) for more than kMaxFilters filters or when a stage cannot be allocated.
    bool init(std::span<const PdfFilter> filters, uint64_t max_output, uint32_t max_ratio,
              bool lzw_early_change = true) noexcept;
    // The next raw bytes of the stream's data; decoded bytes are appended to `out`.
    void feed(const uint8_t* data, size_t len, std::string& out) noexcept;
    // The stream's data ended: flush what is held (a truncated flate stream gives what it
    // decoded so far and is NOT Corrupt — real PDFs often omit the adler32).
    void finish(std::string& out) noexcept;

    PdfFilterStatus status() const noexcept { return status_; }
    // Raw bytes fed while the chain was Active (a feed() that ends it counts up to the end of
    // the kRatioStep step it was decoding).
    uint64_t rawBytes() const noexcept { return raw_; }
    // Decoded bytes appended in all.
    uint64_t outputBytes() const noexcept { return output_; }

  private:
    class Link; // a stage's output, handed on to the next stage or to `out`

    // Decodes `data` with stage `index` (index == count_: appends it to the output).
    // False once the chain is no longer Active.
    bool deliver(size_t index, const uint8_t* data, size_t len) noexcept;
    // Stage `from`'s output, bounded by max_output, on to the next stage.
    bool handOn(size_t from, const uint8_t* data, size_t len) noexcept;
    bool append(const uint8_t* data, size_t len) noexcept;
    // After stage `index` ran: its end or its error ends the chain.
    void settle(size_t index) noexcept;
    // Flushes stages `index` onwards, in order; the chain is Done unless one of them fails.
    void finishFrom(size_t index) noexcept;
    uint64_t outputLimit() const noexcept;

    std::array<std::unique_ptr<pdf_filter_detail::Stage>, kMaxFilters> stages_;
    std::array<uint64_t, kMaxFilters> stage_output_{};
    size_t count_ = 0;
    uint64_t max_output_ = 0;
    uint32_t max_ratio_ = 0;
    uint64_t raw_ = 0;
    uint64_t ratio_raw_ = 0; // raw_ rounded up to a kRatioStep step, for the ratio bound
    uint64_t output_ = 0;
    PdfFilterStatus status_ = PdfFilterStatus::Active;
    std::string* out_ = nullptr; // the caller's string during feed() and finish()
};

} // namespace egressmon::dpi
