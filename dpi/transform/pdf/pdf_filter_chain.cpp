#include "dpi/transform/pdf/pdf_filter_chain.h"

#include <algorithm>
#include <limits>
#include <new>

#include "dpi/content/content_inflater.h"
#include "dpi/content/hex_digit.h"

namespace egressmon::dpi {

namespace pdf_filter_detail {

// Where a stage's output goes. put() is false once nothing more is wanted (the chain ended
// further on): the stage then stops decoding, so its own later errors do not count.
class Sink {
  public:
    virtual bool put(const uint8_t* data, size_t len) noexcept = 0;

  protected:
    ~Sink() = default;
};

enum class StageState : uint8_t { Active, Done, Corrupt, TooLarge, NoMemory };

class Stage {
  public:
    virtual ~Stage() = default;
    // Decodes `data`. All the output it completes is put before feed() returns: nothing is
    // held back that the input so far decides, which keeps the output independent of how the
    // input was split.
    virtual void feed(const uint8_t* data, size_t len, Sink& sink) noexcept = 0;
    // The input ended: puts what is held and ends (Done, unless what is held is invalid).
    virtual void finish(Sink& sink) noexcept = 0;
    StageState state() const noexcept { return state_; }

  protected:
    StageState state_ = StageState::Active;
};

} // namespace pdf_filter_detail

namespace {

using pdf_filter_detail::Sink;
using pdf_filter_detail::Stage;
using pdf_filter_detail::StageState;

// A byte-at-a-time stage's output, gathered on the stack and put in pieces so the next stage
// runs once per piece rather than once per byte.
class Pending {
  public:
    explicit Pending(Sink& sink) noexcept : sink_(sink) {}
    ~Pending() = default;
    Pending(const Pending&) = delete;
    Pending& operator=(const Pending&) = delete;

    // False once the sink wants nothing more.
    bool put(uint8_t b) noexcept {
        buf_[len_++] = b;
        return len_ < buf_.size() || flush();
    }
    bool write(const uint8_t* data, size_t len) noexcept {
        while (len > 0) {
            const size_t n = std::min(len, buf_.size() - len_);
            std::copy_n(data, n, buf_.data() + len_);
            len_ += n;
            data += n;
            len -= n;
            if (len_ == buf_.size() && !flush()) return false;
        }
        return true;
    }
    bool flush() noexcept {
        const size_t n = len_;
        len_ = 0;
        return n == 0 || sink_.put(buf_.data(), n);
    }

  private:
    Sink& sink_;
    size_t len_ = 0;
    std::array<uint8_t, 1024> buf_;
};

// ISO 32000-1 §7.2.2 white-space characters.
bool isPdfWhitespace(uint8_t c) noexcept {
    return c == 0x00 || c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D || c == 0x20;
}

// The decoders that read their input a byte at a time: byte() is false once the sink wants
// nothing more; an end or an error shows in state_ and stops the loop.
template <typename Derived> class ByteStage : public Stage {
  public:
    void feed(const uint8_t* data, size_t len, Sink& sink) noexcept final {
        Pending out(sink);
        auto& self = static_cast<Derived&>(*this);
        for (size_t i = 0; i < len && state_ == StageState::Active; ++i)
            if (!self.byte(data[i], out)) return;
        // The output before an end or an error goes on before the chain sees it.
        out.flush();
    }
    void finish(Sink& sink) noexcept final {
        if (state_ != StageState::Active) return;
        Pending out(sink);
        static_cast<Derived&>(*this).end(out);
        out.flush();
    }
};

// ASCIIHexDecode (§7.4.2).
class AsciiHexStage final : public ByteStage<AsciiHexStage> {
  public:
    bool byte(uint8_t c, Pending& out) noexcept {
        if (isPdfWhitespace(c)) return true;
        if (c == '>') return end(out);
        const int value = hexDigitValue(c);
        if (value < 0) {
            state_ = StageState::Corrupt;
            return true;
        }
        if (high_ < 0) {
            high_ = value;
            return true;
        }
        const auto b = static_cast<uint8_t>(high_ << 4 | value);
        high_ = -1;
        return out.put(b);
    }
    // An odd last digit is the high half of a byte whose low half is 0.
    bool end(Pending& out) noexcept {
        state_ = StageState::Done;
        return high_ < 0 || out.put(static_cast<uint8_t>(high_ << 4));
    }

  private:
    int high_ = -1; // the first digit of a pair, -1 when none is held
};

// ASCII85Decode (§7.4.3).
class Ascii85Stage final : public ByteStage<Ascii85Stage> {
  public:
    bool byte(uint8_t c, Pending& out) noexcept {
        if (isPdfWhitespace(c)) return true;
        if (!started_) {
            // "<~" opens the data in Adobe's tools (not in PDF): skipped. '<' alone is a digit.
            started_ = true;
            if (c == '<') {
                held_lt_ = true;
                return true;
            }
        }
        if (held_lt_) {
            held_lt_ = false;
            if (c == '~') return true;
            if (!digit('<', out)) return false;
            if (state_ != StageState::Active) return true;
        }
        return digit(c, out);
    }
    // A last group of n chars (2..4) is padded with 'u' and gives n-1 bytes; 1 char is invalid.
    bool end(Pending& out) noexcept {
        if (held_lt_) {
            held_lt_ = false;
            if (!digit('<', out)) return false;
        }
        if (count_ == 0) {
            state_ = StageState::Done;
            return true;
        }
        if (count_ == 1) {
            state_ = StageState::Corrupt;
            return true;
        }
        const unsigned kept = count_ - 1;
        while (count_ < 5)
            add('u');
        if (group_ > std::numeric_limits<uint32_t>::max()) {
            state_ = StageState::Corrupt;
            return true;
        }
        state_ = StageState::Done;
        return putGroup(kept, out);
    }

  private:
    bool digit(uint8_t c, Pending& out) noexcept {
        // '~' ends the data. The '>' that should follow is not waited for: readers stop at '~'.
        if (c == '~') return end(out);
        if (c == 'z' && count_ == 0) {
            group_ = 0;
            return putGroup(4, out);
        }
        if (c < '!' || c > 'u') {
            state_ = StageState::Corrupt;
            return true;
        }
        add(c);
        if (count_ < 5) return true;
        if (group_ > std::numeric_limits<uint32_t>::max()) {
            state_ = StageState::Corrupt;
            return true;
        }
        return putGroup(4, out);
    }
    void add(uint8_t c) noexcept {
        group_ = group_ * 85 + (c - '!');
        ++count_;
    }
    bool putGroup(unsigned bytes, Pending& out) noexcept {
        const uint64_t group = group_;
        group_ = 0;
        count_ = 0;
        for (unsigned i = 0; i < bytes; ++i)
            if (!out.put(static_cast<uint8_t>(group >> (24 - 8 * i)))) return false;
        return true;
    }

    uint64_t group_ = 0; // 85^5 > 2^32: checked when the group is complete
    unsigned count_ = 0; // chars in group_
    bool started_ = false;
    bool held_lt_ = false; // a leading '<': "<~" or a digit, the next char says
};

// RunLengthDecode (§7.4.5).
class RunLengthStage final : public ByteStage<RunLengthStage> {
  public:
    bool byte(uint8_t c, Pending& out) noexcept {
        if (copy_left_ > 0) {
            --copy_left_;
            return out.put(c);
        }
        if (repeat_ > 0) {
            const unsigned n = repeat_;
            repeat_ = 0;
            for (unsigned i = 0; i < n; ++i)
                if (!out.put(c)) return false;
            return true;
        }
        if (c < 128)
            copy_left_ = c + 1u;
        else if (c > 128)
            repeat_ = 257u - c;
        else
            state_ = StageState::Done;
        return true;
    }
    // A run cut short gives what it had: the stream just ended early.
    bool end(Pending&) noexcept {
        state_ = StageState::Done;
        return true;
    }

  private:
    unsigned copy_left_ = 0; // literal bytes still to copy
    unsigned repeat_ = 0;    // non-zero: the next byte is repeated this many times
};

// LZWDecode (§7.4.4). Each table entry is its prefix entry plus one byte, so the table has a
// fixed size however long its strings grow; a string is written backwards into scratch_.
class LzwStage final : public ByteStage<LzwStage> {
  public:
    explicit LzwStage(bool early_change) noexcept : early_(early_change ? 1 : 0) {
        for (unsigned i = 0; i < 256; ++i)
            table_[i] = {0, 1, static_cast<uint8_t>(i), static_cast<uint8_t>(i)};
    }
    bool byte(uint8_t c, Pending& out) noexcept {
        bits_ = bits_ << 8 | c;
        nbits_ += 8;
        while (nbits_ >= width_ && state_ == StageState::Active) {
            nbits_ -= width_;
            const unsigned code = bits_ >> nbits_;
            bits_ &= (1u << nbits_) - 1;
            if (!decode(code, out)) return false;
        }
        return true;
    }
    // Bits left over that make no whole code are padding.
    bool end(Pending&) noexcept {
        state_ = StageState::Done;
        return true;
    }

  private:
    static constexpr unsigned kClear = 256, kEod = 257, kFirstFree = 258, kTableSize = 4096;
    struct Entry {
        uint16_t prefix; // the entry this one extends
        uint16_t length; // of the whole string (< kTableSize: one byte longer than its prefix)
        uint8_t last;
        uint8_t first; // kept for the entry added after it
    };

    bool decode(unsigned code, Pending& out) noexcept {
        if (code == kClear) {
            next_ = kFirstFree;
            width_ = 9;
            prev_ = -1;
            return true;
        }
        if (code == kEod) {
            state_ = StageState::Done;
            return true;
        }
        if (prev_ < 0) { // the first code after a clear: a byte
            if (code >= kClear) {
                state_ = StageState::Corrupt;
                return true;
            }
            prev_ = static_cast<int>(code);
            return out.put(static_cast<uint8_t>(code));
        }
        if (code > next_) {
            state_ = StageState::Corrupt;
            return true;
        }
        // code == next_ is the entry being made: the previous string plus its own first byte.
        const Entry& prev = table_[prev_];
        const uint8_t first = code == next_ ? prev.first : table_[code].first;
        // A full table stays as it is, with 12-bit codes, until a clear (as readers do).
        if (next_ < kTableSize) {
            table_[next_] = {static_cast<uint16_t>(prev_), static_cast<uint16_t>(prev.length + 1),
                             first, prev.first};
            ++next_;
            // EarlyChange 1 widens the codes one entry before the table needs it.
            if (next_ + early_ >= (1u << width_) && width_ < 12) ++width_;
        }
        prev_ = static_cast<int>(code);
        return emit(code, out);
    }
    bool emit(unsigned code, Pending& out) noexcept {
        const size_t length = table_[code].length;
        size_t pos = scratch_.size();
        for (size_t i = 0; i < length; ++i) {
            scratch_[--pos] = table_[code].last;
            code = table_[code].prefix;
        }
        return out.write(scratch_.data() + pos, length);
    }

    unsigned early_;
    uint32_t bits_ = 0; // input bits not yet in a code: the low nbits_
    unsigned nbits_ = 0;
    unsigned width_ = 9;
    unsigned next_ = kFirstFree; // the entry the next code adds
    int prev_ = -1;              // the previous code, -1 after a clear
    std::array<Entry, kTableSize> table_;
    std::array<uint8_t, kTableSize> scratch_;
};

// FlateDecode (§7.4.4) through Inflater: its Deflate format already takes a zlib stream or,
// when the first two bytes are not a zlib header, raw deflate. The chain checks the ratio on
// its final output, so the Inflater only bounds this stage's output (max_output).
class FlateStage final : public Stage {
  public:
    explicit FlateStage(uint64_t max_output) noexcept
        : inflater_(Inflater::Format::Deflate, max_output, 0) {}

    void feed(const uint8_t* data, size_t len, Sink& sink) noexcept override {
        if (state_ != StageState::Active) return;
        Forward forward(sink);
        Inflater::Status status;
        try {
            status = inflater_.feed(data, len, forward);
        } catch (const std::bad_alloc&) { // the z_stream's holder
            state_ = StageState::NoMemory;
            return;
        }
        if (forward.stopped) return; // the chain ended further on; its status stands
        switch (status) {
        case Inflater::Status::Active: break;
        case Inflater::Status::Finished: state_ = StageState::Done; break; // tail ignored
        case Inflater::Status::Bomb: state_ = StageState::TooLarge; break;
        case Inflater::Status::Error: state_ = StageState::Corrupt; break;
        }
    }
    // A stream cut before its end (often just its adler32) gives what it decoded: not Corrupt.
    void finish(Sink&) noexcept override {
        if (state_ == StageState::Active) state_ = StageState::Done;
    }

  private:
    // The Inflater cannot be stopped mid-feed: once the sink refuses, the rest is dropped.
    class Forward final : public InflateOutput {
      public:
        explicit Forward(Sink& sink) noexcept : sink_(sink) {}
        void inflated(const uint8_t* data, size_t len) override {
            if (!stopped && !sink_.put(data, len)) stopped = true;
        }
        bool stopped = false;

      private:
        Sink& sink_;
    };

    Inflater inflater_;
};

std::unique_ptr<Stage> makeStage(PdfFilter filter, uint64_t max_output, bool early_change) {
    switch (filter) {
    case PdfFilter::Flate: return std::make_unique<FlateStage>(max_output);
    case PdfFilter::AsciiHex: return std::make_unique<AsciiHexStage>();
    case PdfFilter::Ascii85: return std::make_unique<Ascii85Stage>();
    case PdfFilter::Lzw: return std::make_unique<LzwStage>(early_change);
    case PdfFilter::RunLength: return std::make_unique<RunLengthStage>();
    }
    return nullptr;
}

PdfFilterStatus chainStatus(StageState state) noexcept {
    switch (state) {
    case StageState::Active: return PdfFilterStatus::Active;
    case StageState::Done: return PdfFilterStatus::Done;
    case StageState::Corrupt: return PdfFilterStatus::Corrupt;
    case StageState::TooLarge: return PdfFilterStatus::TooLarge;
    case StageState::NoMemory: return PdfFilterStatus::NoMemory;
    }
    return PdfFilterStatus::Corrupt;
}

} // namespace

std::optional<PdfFilter> pdfFilterByName(std::string_view name) noexcept {
    if (name == "FlateDecode" || name == "Fl") return PdfFilter::Flate;
    if (name == "ASCIIHexDecode" || name == "AHx") return PdfFilter::AsciiHex;
    if (name == "ASCII85Decode" || name == "A85") return PdfFilter::Ascii85;
    if (name == "LZWDecode" || name == "LZW") return PdfFilter::Lzw;
    if (name == "RunLengthDecode" || name == "RL") return PdfFilter::RunLength;
    return std::nullopt;
}

class PdfFilterChain::Link final : public pdf_filter_detail::Sink {
  public:
    Link(PdfFilterChain& chain, size_t from) noexcept : chain_(chain), from_(from) {}
    bool put(const uint8_t* data, size_t len) noexcept override {
        return chain_.handOn(from_, data, len);
    }

  private:
    PdfFilterChain& chain_;
    size_t from_;
};

PdfFilterChain::PdfFilterChain() noexcept = default;
PdfFilterChain::~PdfFilterChain() = default;

bool PdfFilterChain::init(std::span<const PdfFilter> filters, uint64_t max_output,
                          uint32_t max_ratio, bool lzw_early_change) noexcept {
    for (auto& stage : stages_)
        stage.reset();
    stage_output_ = {};
    count_ = 0;
    max_output_ = max_output;
    max_ratio_ = max_ratio;
    raw_ = ratio_raw_ = output_ = 0;
    status_ = PdfFilterStatus::Active;
    if (filters.size() > kMaxFilters) {
        status_ = PdfFilterStatus::Corrupt;
        return false;
    }
    try {
        for (const PdfFilter filter : filters) {
            auto stage = makeStage(filter, max_output, lzw_early_change);
            if (!stage) {
                status_ = PdfFilterStatus::Corrupt; // not a PdfFilter value
                return false;
            }
            stages_[count_++] = std::move(stage);
        }
    } catch (const std::bad_alloc&) {
        status_ = PdfFilterStatus::NoMemory;
        return false;
    }
    return true;
}

void PdfFilterChain::feed(const uint8_t* data, size_t len, std::string& out) noexcept {
    out_ = &out;
    // In kRatioStep steps of the raw stream: the ratio bound of a step counts all of it, so the
    // output allowed while a step is decoded does not depend on where the input was cut.
    while (len > 0 && status_ == PdfFilterStatus::Active) {
        const uint64_t step_end = (raw_ / kRatioStep + 1) * kRatioStep;
        const size_t piece = static_cast<size_t>(std::min<uint64_t>(len, step_end - raw_));
        ratio_raw_ = step_end;
        raw_ += piece;
        deliver(0, data, piece);
        data += piece;
        len -= piece;
    }
    out_ = nullptr;
}

void PdfFilterChain::finish(std::string& out) noexcept {
    if (status_ != PdfFilterStatus::Active) return;
    out_ = &out;
    finishFrom(0);
    out_ = nullptr;
}

bool PdfFilterChain::deliver(size_t index, const uint8_t* data, size_t len) noexcept {
    if (index == count_) return append(data, len);
    Link link(*this, index);
    stages_[index]->feed(data, len, link);
    settle(index);
    return status_ == PdfFilterStatus::Active;
}

bool PdfFilterChain::handOn(size_t from, const uint8_t* data, size_t len) noexcept {
    if (status_ != PdfFilterStatus::Active) return false;
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(len, max_output_ - stage_output_[from]));
    stage_output_[from] += n;
    if (n > 0 && !deliver(from + 1, data, n)) return false;
    if (n < len) {
        status_ = PdfFilterStatus::TooLarge;
        return false;
    }
    return true;
}

bool PdfFilterChain::append(const uint8_t* data, size_t len) noexcept {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, outputLimit() - output_));
    if (n > 0) {
        try {
            out_->append(reinterpret_cast<const char*>(data), n);
        } catch (...) { // bad_alloc, or length_error past max_size()
            status_ = PdfFilterStatus::NoMemory;
            return false;
        }
        output_ += n;
    }
    if (n < len) {
        status_ = PdfFilterStatus::TooLarge;
        return false;
    }
    return true;
}

void PdfFilterChain::settle(size_t index) noexcept {
    if (status_ != PdfFilterStatus::Active) return; // ended further on, by what this stage put
    const StageState state = stages_[index]->state();
    if (state == StageState::Active) return;
    if (state == StageState::Done)
        finishFrom(index + 1); // nothing more can reach the stages after it
    else
        status_ = chainStatus(state);
}

void PdfFilterChain::finishFrom(size_t index) noexcept {
    for (size_t i = index; i < count_; ++i) {
        Link link(*this, i);
        stages_[i]->finish(link);
        if (status_ != PdfFilterStatus::Active) return;
        const StageState state = stages_[i]->state();
        if (state != StageState::Done && state != StageState::Active) {
            status_ = chainStatus(state);
            return;
        }
    }
    status_ = PdfFilterStatus::Done;
}

// Never below output_: ratio_raw_ only grows.
uint64_t PdfFilterChain::outputLimit() const noexcept {
    if (max_ratio_ == 0) return max_output_;
    const uint64_t max = std::numeric_limits<uint64_t>::max();
    const uint64_t by_ratio = ratio_raw_ > max / max_ratio_ ? max : ratio_raw_ * max_ratio_;
    return std::min(max_output_, std::max(kRatioGrace, by_ratio));
}

} // namespace egressmon::dpi
