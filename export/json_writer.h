#pragma once
// Minimal streaming JSON builder for EVE records: appends to one std::string, escapes every
// string so that the output is always valid JSON and valid UTF-8 (bytes that are not UTF-8,
// which packet-derived text often contains, become U+FFFD).

#include <cstdint>
#include <string>
#include <string_view>

namespace egressmon::exporting {

class JsonWriter {
  public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    JsonWriter& beginObject() { return open('{'); }
    JsonWriter& endObject() { return close('}'); }
    JsonWriter& beginArray() { return open('['); }
    JsonWriter& endArray() { return close(']'); }

    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(uint64_t v);
    JsonWriter& value(int64_t v);
    JsonWriter& value(uint32_t v) { return value(uint64_t{v}); }
    JsonWriter& value(int v) { return value(int64_t{v}); }
    JsonWriter& value(double v);
    JsonWriter& value(bool b);

    template <class T> JsonWriter& field(std::string_view k, const T& v) { return key(k).value(v); }

    static void appendEscaped(std::string& out, std::string_view s);

  private:
    template <class Int> JsonWriter& integer(Int v);
    JsonWriter& open(char c);
    JsonWriter& close(char c);
    void separate();

    std::string& out_;
    bool need_comma_ = false;
};

// Length of the well-formed UTF-8 sequence at s[i] (i < s.size()), or 0 if it is not one
// (overlong forms, surrogates and code points past U+10FFFF are not).
size_t utf8SequenceLength(std::string_view s, size_t i);

// EVE timestamp: "2026-11-24T10:00:00.123456+0000" (UTC).
std::string formatEveTimestamp(uint64_t ts_us);

} // namespace egressmon::exporting
