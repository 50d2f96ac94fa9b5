// parseHeartbeat() (heartbeat.h): a strict reader of one flat JSON object, written for this
// record alone rather than a general JSON library, because every value it keeps is a string,
// an unsigned integer or one non-negative double, and everything else only has to be skipped
// within bounds (heartbeat_parser.h). Strings must be valid UTF-8 with JSON escapes (\uXXXX
// surrogate pairs joined, a lone surrogate refused), so what is parsed is what heartbeatJson()
// writes back. A duplicate field is refused: two values for one name would make the record
// mean what the reader happens to pick.

#include "fleet/heartbeat_parser.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <string>

#include "export/json_writer.h"
#include "fleet/heartbeat.h"

namespace egressmon::fleet {

namespace {

enum class Field {
    kTimestamp,
    kEventType,
    kSensor,
    kVersion,
    kPolicyVersion,
    kBundleVersion,
    kUptime,
    kHeartbeatInterval,
    kPackets,
    kPacketsPerSec,
    kDrops,
    kAlerts,
    kSpoolBytes,
    kLastError,
    kUnknown,
};

struct FieldName {
    std::string_view name;
    Field field;
    bool required;
};

constexpr FieldName kFields[] = {
    {"timestamp", Field::kTimestamp, true},
    {"event_type", Field::kEventType, true},
    {"sensor", Field::kSensor, true},
    {"version", Field::kVersion, true},
    {"policy_version", Field::kPolicyVersion, false},
    {"bundle_version", Field::kBundleVersion, false},
    {"uptime", Field::kUptime, true},
    {"heartbeat_interval", Field::kHeartbeatInterval, true},
    {"packets", Field::kPackets, true},
    {"packets_per_sec", Field::kPacketsPerSec, false},
    {"drops", Field::kDrops, true},
    {"alerts", Field::kAlerts, true},
    {"spool_bytes", Field::kSpoolBytes, true},
    {"last_error", Field::kLastError, false},
};
static_assert(std::size(kFields) == static_cast<size_t>(Field::kUnknown));

Field fieldOf(std::string_view name) {
    for (const FieldName& f : kFields)
        if (f.name == name) return f.field;
    return Field::kUnknown;
}

using exporting::utf8SequenceLength; // the writer's own check, so both agree

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ" as formatUtcMillis() writes it; a date that does not exist
// (February 30th, second 60) is refused rather than normalised, so the text round-trips.
bool parseTimestamp(std::string_view t, uint64_t& ms) {
    if (t.size() != 24) return false;
    constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (size_t i = 0; i < t.size(); ++i) {
        const bool digit = t[i] >= '0' && t[i] <= '9';
        if (kShape[i] == 'd' ? !digit : t[i] != kShape[i]) return false;
    }
    const auto num = [&](size_t at, size_t len) {
        int v = 0;
        for (size_t i = at; i < at + len; ++i)
            v = v * 10 + (t[i] - '0');
        return v;
    };
    std::tm tm{};
    tm.tm_year = num(0, 4) - 1900;
    tm.tm_mon = num(5, 2) - 1;
    tm.tm_mday = num(8, 2);
    tm.tm_hour = num(11, 2);
    tm.tm_min = num(14, 2);
    tm.tm_sec = num(17, 2);
    const std::tm want = tm;
    if (tm.tm_year < 70) return false; // before the epoch: not a time_ms
    const std::time_t seconds = ::timegm(&tm);
    std::tm back{};
    if (seconds < 0 || ::gmtime_r(&seconds, &back) == nullptr || back.tm_year != want.tm_year ||
        back.tm_mon != want.tm_mon || back.tm_mday != want.tm_mday ||
        back.tm_hour != want.tm_hour || back.tm_min != want.tm_min || back.tm_sec != want.tm_sec)
        return false;
    ms = static_cast<uint64_t>(seconds) * 1000 + static_cast<uint64_t>(num(20, 3));
    return true;
}

class HeartbeatReader {
  public:
    explicit HeartbeatReader(std::string_view in) : in_(in) {}

    ParsedHeartbeat parse() {
        ParsedHeartbeat result;
        if (in_.size() > kMaxHeartbeatBytes) {
            result.error = "record of " + std::to_string(in_.size()) + " bytes (limit " +
                           std::to_string(kMaxHeartbeatBytes) + ")";
            return result;
        }
        Heartbeat h;
        if (readObject(h) && checkRequired() && checkEnd())
            result.heartbeat = std::move(h);
        else
            result.error = std::move(error_);
        return result;
    }

  private:
    bool fail(const std::string& why) {
        if (error_.empty()) error_ = why + " at byte " + std::to_string(pos_);
        return false;
    }
    bool failField(Field f, const std::string& why) {
        return fail(std::string(kFields[static_cast<size_t>(f)].name) + ": " + why);
    }

    void skipSpace() {
        while (pos_ < in_.size() &&
               (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r'))
            ++pos_;
    }
    bool peek(char c) {
        skipSpace();
        return pos_ < in_.size() && in_[pos_] == c;
    }
    bool expect(char c, const char* what) {
        if (!peek(c))
            return fail(pos_ < in_.size() ? std::string("expected ") + what
                                          : std::string("record ends, expected ") + what);
        ++pos_;
        return true;
    }

    bool readHex4(uint32_t& v) {
        if (in_.size() - pos_ < 4) return fail("truncated \\u escape");
        v = 0;
        for (size_t i = 0; i < 4; ++i) {
            const char c = in_[pos_ + i];
            const int d = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
            if (d < 0) return fail("bad \\u escape");
            v = v * 16 + static_cast<uint32_t>(d);
        }
        pos_ += 4;
        return true;
    }

    bool readEscape(std::string& out) {
        if (pos_ >= in_.size()) return fail("string not closed");
        const char c = in_[pos_++];
        switch (c) {
        case '"': out.push_back('"'); return true;
        case '\\': out.push_back('\\'); return true;
        case '/': out.push_back('/'); return true;
        case 'b': out.push_back('\b'); return true;
        case 'f': out.push_back('\f'); return true;
        case 'n': out.push_back('\n'); return true;
        case 'r': out.push_back('\r'); return true;
        case 't': out.push_back('\t'); return true;
        case 'u': break;
        default: --pos_; return fail("bad escape in a string");
        }
        uint32_t cp = 0;
        if (!readHex4(cp)) return false;
        if (cp >= 0xdc00 && cp <= 0xdfff) return fail("lone low surrogate in a string");
        if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t low = 0;
            if (in_.substr(pos_, 2) != "\\u") return fail("lone high surrogate in a string");
            pos_ += 2;
            if (!readHex4(low)) return false;
            if (low < 0xdc00 || low > 0xdfff) return fail("lone high surrogate in a string");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        appendUtf8(out, cp);
        return true;
    }

    bool readString(std::string& out) {
        if (!peek('"')) return fail("expected a string");
        ++pos_;
        for (;;) {
            if (pos_ >= in_.size()) return fail("string not closed");
            const unsigned char c = static_cast<unsigned char>(in_[pos_]);
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (c == '\\') {
                ++pos_;
                if (!readEscape(out)) return false;
            } else if (c < 0x20) {
                return fail("control character in a string");
            } else {
                const size_t len = utf8SequenceLength(in_, pos_);
                if (len == 0) return fail("string is not UTF-8");
                out.append(in_.substr(pos_, len));
                pos_ += len;
            }
        }
    }

    // A number as JSON spells it: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    bool readNumber(std::string_view& text) {
        skipSpace();
        const size_t start = pos_;
        const auto digits = [&] {
            const size_t from = pos_;
            while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9')
                ++pos_;
            return pos_ - from;
        };
        if (pos_ < in_.size() && in_[pos_] == '-') ++pos_;
        const size_t int_start = pos_;
        const size_t int_digits = digits();
        if (int_digits == 0) return fail("expected a value");
        if (int_digits > 1 && in_[int_start] == '0') return fail("number with a leading zero");
        if (pos_ < in_.size() && in_[pos_] == '.') {
            ++pos_;
            if (digits() == 0) return fail("number without digits after '.'");
        }
        if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
            if (digits() == 0) return fail("number without digits in its exponent");
        }
        text = in_.substr(start, pos_ - start);
        return true;
    }

    bool startsNumber() {
        skipSpace();
        return pos_ < in_.size() && (in_[pos_] == '-' || (in_[pos_] >= '0' && in_[pos_] <= '9'));
    }

    bool readUnsigned(Field f, uint64_t& v, uint64_t max = UINT64_MAX) {
        if (!startsNumber()) return failField(f, "expected a number");
        const size_t at = pos_;
        std::string_view text;
        if (!readNumber(text)) return false;
        if (text.find_first_not_of("0123456789") != std::string_view::npos) {
            pos_ = at;
            return failField(f, "expected a whole number from 0");
        }
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || v > max) {
            pos_ = at;
            return failField(f, "number out of range");
        }
        return true;
    }

    bool readRate(double& v) {
        if (!startsNumber()) return failField(Field::kPacketsPerSec, "expected a number");
        const size_t at = pos_;
        std::string_view text;
        if (!readNumber(text)) return false;
        pos_ = at;
        if (text[0] == '-') return failField(Field::kPacketsPerSec, "negative");
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) ||
            v > kMaxPacketsPerSec)
            return failField(Field::kPacketsPerSec, "number out of range");
        pos_ += text.size();
        return true;
    }

    bool readFieldString(Field f, std::string& out) {
        skipSpace();
        if (pos_ >= in_.size() || in_[pos_] != '"') return failField(f, "expected a string");
        return readString(out);
    }

    // Any JSON value, thrown away; `depth` counts the objects and arrays around it.
    bool skipValue(size_t depth) {
        skipSpace();
        if (pos_ >= in_.size()) return fail("record ends, expected a value");
        const char c = in_[pos_];
        if (c == '"') {
            std::string ignored;
            return readString(ignored);
        }
        if (c == '{' || c == '[') {
            if (depth + 1 > kMaxHeartbeatDepth)
                return fail("nested deeper than " + std::to_string(kMaxHeartbeatDepth));
            ++pos_;
            const char close = c == '{' ? '}' : ']';
            if (peek(close)) {
                ++pos_;
                return true;
            }
            for (;;) {
                if (c == '{') {
                    std::string ignored;
                    if (!readString(ignored) || !expect(':', "':'")) return false;
                }
                if (!skipValue(depth + 1)) return false;
                if (peek(',')) {
                    ++pos_;
                    continue;
                }
                return expect(close, c == '{' ? "',' or '}'" : "',' or ']'");
            }
        }
        for (const std::string_view word : {"true", "false", "null"}) {
            if (in_.substr(pos_, word.size()) == word) {
                pos_ += word.size();
                return true;
            }
        }
        std::string_view ignored;
        return readNumber(ignored);
    }

    bool readValue(Field f, Heartbeat& h) {
        std::string text;
        uint64_t number = 0;
        switch (f) {
        case Field::kTimestamp: {
            const size_t at = (skipSpace(), pos_);
            if (!readFieldString(f, text)) return false;
            if (!parseTimestamp(text, h.time_ms)) {
                pos_ = at;
                return failField(f, "expected YYYY-MM-DDTHH:MM:SS.mmmZ");
            }
            return true;
        }
        case Field::kEventType: {
            const size_t at = (skipSpace(), pos_);
            if (!readFieldString(f, text)) return false;
            if (text != "heartbeat") {
                pos_ = at;
                return failField(f, "not \"heartbeat\"");
            }
            return true;
        }
        case Field::kSensor: {
            const size_t at = (skipSpace(), pos_);
            if (!readFieldString(f, h.sensor)) return false;
            if (h.sensor.empty()) {
                pos_ = at;
                return failField(f, "empty");
            }
            return true;
        }
        case Field::kVersion: return readFieldString(f, h.version);
        case Field::kPolicyVersion: return readFieldString(f, h.policy_version);
        case Field::kLastError: return readFieldString(f, h.last_error);
        case Field::kBundleVersion:
            if (!readUnsigned(f, number)) return false;
            h.bundle_version = number;
            return true;
        case Field::kUptime: return readUnsigned(f, h.uptime_s);
        case Field::kHeartbeatInterval:
            if (!readUnsigned(f, number, UINT32_MAX)) return false;
            h.heartbeat_interval_s = static_cast<uint32_t>(number);
            return true;
        case Field::kPackets: return readUnsigned(f, h.packets);
        case Field::kPacketsPerSec: return readRate(h.packets_per_sec);
        case Field::kDrops: return readUnsigned(f, h.drops);
        case Field::kAlerts: return readUnsigned(f, h.alerts);
        case Field::kSpoolBytes: return readUnsigned(f, h.spool_bytes);
        case Field::kUnknown: return skipValue(1);
        }
        return fail("unreachable field");
    }

    bool readObject(Heartbeat& h) {
        if (!expect('{', "a JSON object")) return false;
        if (peek('}')) {
            ++pos_;
            return true;
        }
        for (;;) {
            std::string name;
            const size_t at = (skipSpace(), pos_);
            if (!readString(name) || !expect(':', "':'")) return false;
            const Field f = fieldOf(name);
            if (f != Field::kUnknown) {
                const size_t bit = static_cast<size_t>(f);
                if (seen_ & (1u << bit)) {
                    pos_ = at;
                    return failField(f, "given twice");
                }
                seen_ |= 1u << bit;
            }
            if (!readValue(f, h)) return false;
            if (peek(',')) {
                ++pos_;
                continue;
            }
            return expect('}', "',' or '}'");
        }
    }

    bool checkRequired() {
        for (const FieldName& f : kFields)
            if (f.required && !(seen_ & (1u << static_cast<size_t>(f.field)))) {
                error_ = std::string(f.name) + ": missing";
                return false;
            }
        return true;
    }

    bool checkEnd() {
        skipSpace();
        return pos_ == in_.size() || fail("bytes after the record");
    }

    std::string_view in_;
    size_t pos_ = 0;
    uint32_t seen_ = 0; // bit per Field given
    std::string error_;
};

} // namespace

ParsedHeartbeat parseHeartbeat(std::string_view json) {
    try {
        return HeartbeatReader(json).parse();
    } catch (const std::exception&) {
        // Only allocation can throw here (strings are bounded by the 64 KiB input).
        ParsedHeartbeat result;
        result.error = "out of memory";
        return result;
    }
}

} // namespace egressmon::fleet
