#include "dpi/content/content_inflater.h"

#include <algorithm>

#include <zlib.h>

namespace egressmon::dpi {

// The z_stream lives in its own heap object so its address is stable (zlib keeps a pointer to
// it) and inflateEnd runs exactly once, only if inflateInit2 succeeded.
struct Inflater::Stream {
    z_stream z{};
    bool initialised = false;
    ~Stream() {
        if (initialised) inflateEnd(&z);
    }
};

Inflater::Inflater(Format format, uint64_t max_out, uint32_t max_ratio) noexcept
    : format_(format), max_out_(max_out), max_ratio_(max_ratio) {}

Inflater::~Inflater() = default;

bool Inflater::start(int window_bits) {
    stream_ = std::make_unique<Stream>();
    if (inflateInit2(&stream_->z, window_bits) != Z_OK) {
        status_ = Status::Error;
        return false;
    }
    stream_->initialised = true;
    return true;
}

Inflater::Status Inflater::feed(const uint8_t* data, size_t len, InflateOutput& out) {
    if (status_ != Status::Active || len == 0) return status_;
    if (!stream_) {
        if (format_ == Format::Gzip || format_ == Format::Raw) {
            if (!start(format_ == Format::Gzip ? 15 + 32 : -15)) return status_;
        } else {
            if (!have_first_) {
                first_ = data[0];
                have_first_ = true;
                ++data;
                --len;
                if (len == 0) return status_;
            }
            const unsigned cmf = first_, flg = data[0];
            const bool zlib_header =
                (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && (cmf * 256 + flg) % 31 == 0;
            if (!start(zlib_header ? 15 : -15)) return status_;
            run(&first_, 1, out);
            if (status_ == Status::Finished) tail_ = len; // none of `data` was used
            if (status_ != Status::Active) return status_;
        }
    }
    run(data, len, out);
    return status_;
}

void Inflater::run(const uint8_t* data, size_t len, InflateOutput& out) {
    z_stream& z = stream_->z;
    while (len > 0 && status_ == Status::Active) {
        const uInt piece = static_cast<uInt>(std::min<size_t>(len, 1u << 30));
        z.next_in = const_cast<Bytef*>(data);
        z.avail_in = piece;
        for (;;) {
            uint8_t buf[kOutChunk];
            z.next_out = buf;
            z.avail_out = sizeof buf;
            const int rc = inflate(&z, Z_NO_FLUSH);
            const size_t have = sizeof buf - z.avail_out;
            if (have > 0) {
                uint64_t limit = max_out_;
                bool ratio_limits = false;
                if (max_ratio_ > 0) {
                    const uint64_t by_ratio = std::max<uint64_t>(
                        kRatioGrace, static_cast<uint64_t>(max_ratio_) * z.total_in);
                    ratio_limits = by_ratio < limit;
                    limit = std::min(limit, by_ratio);
                }
                if (total_out_ + have > limit) {
                    if (limit > total_out_) out.inflated(buf, limit - total_out_);
                    total_out_ = std::max(total_out_, limit);
                    by_ratio_ = ratio_limits;
                    status_ = Status::Bomb;
                    return;
                }
                total_out_ += have;
                out.inflated(buf, have);
            }
            if (rc == Z_STREAM_END) {
                // Trailing bytes after the stream are ignored here; a caller that frames records
                // after it reads how many there were. zlib stops exactly after the stream's
                // last byte (it gives back whole bytes it read ahead).
                tail_ = z.avail_in + (len - piece);
                status_ = Status::Finished;
                return;
            }
            if (rc == Z_BUF_ERROR) break; // no progress possible: needs more input
            if (rc != Z_OK) {
                status_ = Status::Error;
                return;
            }
            if (z.avail_in == 0 && z.avail_out != 0) break;
        }
        data += piece - z.avail_in;
        len -= piece - z.avail_in;
        if (z.avail_in != 0) break; // BUF_ERROR with input left cannot happen; be safe
    }
}

} // namespace egressmon::dpi
