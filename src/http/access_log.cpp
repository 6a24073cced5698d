#include "access_log.hpp"

#include <vial/error.hpp>

#include <cstdint>
#include <cstdio>
#include <ctime>

#include "../core/log.hpp"
#include "response_writer.hpp"

namespace vial {

AccessLogFormat parse_access_log_format(std::string_view text) {
    if (text == "off") return AccessLogFormat::off;
    if (text == "clf") return AccessLogFormat::clf;
    if (text == "combined") return AccessLogFormat::combined;
    if (text == "json") return AccessLogFormat::json;
    throw Error("invalid access log format '" + std::string(text) +
                "' (off, clf, combined or json)");
}

}  // namespace vial

namespace vial::detail {

namespace {

using SystemClock = std::chrono::system_clock;

// The second's text is formatted once per second per thread: the access log is on the
// hot path of every request.
struct StampCache {
    std::time_t second = -1;
    char clf[32] = {};  // 30/Nov/2026:02:45:29 +0000
    std::size_t clf_size = 0;
    char iso[32] = {};  // 2026-11-30T02:45:29
    std::size_t iso_size = 0;
};

const StampCache& stamps(std::time_t now) {
    thread_local StampCache cache;
    if (cache.second != now) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        cache.clf_size = std::strftime(cache.clf, sizeof cache.clf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
        cache.iso_size = std::strftime(cache.iso, sizeof cache.iso, "%Y-%m-%dT%H:%M:%S", &tm);
        cache.second = now;
    }
    return cache;
}

// A value between double quotes in CLF: quotes, backslashes, controls and non-ASCII bytes
// become \xHH (as nginx escapes them), so a client cannot forge a field or a line.
void append_escaped(std::string& out, std::string_view text) {
    constexpr char kHex[] = "0123456789ABCDEF";
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7F || c == '"' || c == '\\') {
            out.append("\\x").push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 15]);
        } else {
            out.push_back(c);
        }
    }
}

void append_quoted(std::string& out, std::string_view text) {
    out.push_back('"');
    if (text.empty()) out.push_back('-');
    append_escaped(out, text);
    out.push_back('"');
}

// A JSON string; bytes past ASCII are escaped one by one (\u00HH), so the line is valid
// JSON whatever a client sent.
void append_json_string(std::string& out, std::string_view text) {
    constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (u < 0x20 || u >= 0x7F) {
            out.append("\\u00").push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 15]);
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

std::string_view protocol(int version) {
    return version == 10 ? "HTTP/1.0" : "HTTP/1.1";
}

void append_common(std::string& out, const AccessEntry& e, const StampCache& stamp) {
    out.append(e.remote.empty() ? "-" : e.remote).append(" - - [");
    out.append(stamp.clf, stamp.clf_size).append("] \"");
    append_escaped(out, e.method);
    out.push_back(' ');
    append_escaped(out, e.target);
    out.push_back(' ');
    out.append(protocol(e.version)).append("\" ");
    append_decimal(out, static_cast<std::uint64_t>(e.status));
    out.push_back(' ');
    append_decimal(out, e.bytes);
}

}  // namespace

std::string format_access_line(AccessLogFormat format, const AccessEntry& e) {
    auto wall = SystemClock::now();
    std::time_t now = SystemClock::to_time_t(wall);
    const StampCache& stamp = stamps(now);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - e.started)
                      .count();
    std::string out;
    out.reserve(160 + e.target.size() + e.user_agent.size() + e.referer.size());
    if (format == AccessLogFormat::json) {
        auto millis =
            std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count() %
            1000;
        char ms[8];
        std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(millis));
        out.append("{\"time\":\"").append(stamp.iso, stamp.iso_size).append(ms).append("\"");
        out.append(",\"remote\":");
        append_json_string(out, e.remote);
        out.append(",\"method\":");
        append_json_string(out, e.method);
        out.append(",\"target\":");
        append_json_string(out, e.target);
        out.append(",\"protocol\":\"").append(protocol(e.version)).append("\",\"status\":");
        append_decimal(out, static_cast<std::uint64_t>(e.status));
        out.append(",\"bytes\":");
        append_decimal(out, e.bytes);
        out.append(",\"duration_us\":");
        append_decimal(out, static_cast<std::uint64_t>(micros));
        out.append(",\"request_id\":");
        append_json_string(out, e.request_id);
        out.append(",\"referer\":");
        append_json_string(out, e.referer);
        out.append(",\"user_agent\":");
        append_json_string(out, e.user_agent);
        if (!e.rejected.empty()) {
            out.append(",\"rejected\":");
            append_json_string(out, e.rejected);
        }
        out.push_back('}');
        return out;
    }
    append_common(out, e, stamp);
    if (format == AccessLogFormat::combined) {
        out.push_back(' ');
        append_quoted(out, e.referer);
        out.push_back(' ');
        append_quoted(out, e.user_agent);
    }
    out.append(" request_id=").append(e.request_id.empty() ? "-" : e.request_id);
    out.append(" duration_us=");
    append_decimal(out, static_cast<std::uint64_t>(micros));
    if (!e.rejected.empty()) {
        out.append(" rejected=");
        append_quoted(out, e.rejected);
    }
    return out;
}

void write_access_line(AccessLogFormat format, const AccessEntry& entry) {
    if (format == AccessLogFormat::off) return;
    log::access(format_access_line(format, entry));
}

}  // namespace vial::detail
