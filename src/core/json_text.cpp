#include "json_text.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <utility>

namespace vial::detail {

namespace {

// Whether `value` holds any double (written by our own writer, as Python does).
bool has_double(const Json& value) noexcept {
    if (value.is_double()) return true;
    if (value.is_array()) {
        for (const Json& item : value.get_array()) {
            if (has_double(item)) return true;
        }
    } else if (value.is_object()) {
        for (const auto& entry : value.get_object()) {
            if (has_double(entry.value())) return true;
        }
    }
    return false;
}

void append_text(std::string& out, const Json& value);

// As Boost.JSON writes a string (its writer handles documents without doubles): quotes,
// backslashes and control characters escaped, everything else (UTF-8 included) as is.
void append_string(std::string& out, boost::json::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    const char* run = text.data();  // the start of the bytes not yet copied
    const char* end = text.data() + text.size();
    for (const char* p = run; p != end; ++p) {
        auto c = static_cast<unsigned char>(*p);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(run, p);
        run = p + 1;
        out.push_back('\\');
        // JSON's short escapes for control characters; the others are \u00XX.
        static constexpr std::string_view kShort = "\b\t\n\f\r";
        static constexpr std::string_view kLetter = "btnfr";
        if (c == '"' || c == '\\') {
            out.push_back(static_cast<char>(c));
        } else if (auto at = kShort.find(static_cast<char>(c)); at != std::string_view::npos) {
            out.push_back(kLetter[at]);
        } else {
            out.append("u00");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xf]);
        }
    }
    out.append(run, end);
    out.push_back('"');
}

template <class Integer>
void append_integer(std::string& out, Integer n) {
    char digits[24];
    auto result = std::to_chars(digits, digits + sizeof digits, n);
    out.append(digits, result.ptr);
}

void append_text(std::string& out, const Json& value) {
    switch (value.kind()) {
        case boost::json::kind::null:
            out += "null";
            break;
        case boost::json::kind::bool_:
            out += value.get_bool() ? "true" : "false";
            break;
        case boost::json::kind::int64:
            append_integer(out, value.get_int64());
            break;
        case boost::json::kind::uint64:
            append_integer(out, value.get_uint64());
            break;
        case boost::json::kind::double_:
            append_double(out, value.get_double());
            break;
        case boost::json::kind::string:
            append_string(out, value.get_string());
            break;
        case boost::json::kind::array: {
            out.push_back('[');
            bool first = true;
            for (const Json& item : value.get_array()) {
                if (!std::exchange(first, false)) out.push_back(',');
                append_text(out, item);
            }
            out.push_back(']');
            break;
        }
        case boost::json::kind::object: {
            out.push_back('{');
            bool first = true;
            for (const auto& entry : value.get_object()) {
                if (!std::exchange(first, false)) out.push_back(',');
                append_string(out, entry.key());
                out.push_back(':');
                append_text(out, entry.value());
            }
            out.push_back('}');
            break;
        }
    }
}

}  // namespace

void append_double(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out += "null";  // JSON has no NaN or Infinity (as JSON.stringify)
        return;
    }
    // The shortest digits that read back as the same double, laid out as Python's repr:
    // positional for exponents -4..15 ("50.061118", "100.0", "0.0001"), else scientific
    // with a signed two-digit exponent ("1e+16", "1.5e-07").
    char buffer[64];
    auto result =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    std::string_view sci(buffer, static_cast<std::size_t>(result.ptr - buffer));
    std::size_t e = sci.find('e');
    int exponent = 0;
    const char* exponent_at = sci.data() + e + 1;
    if (*exponent_at == '+') ++exponent_at;  // from_chars takes no '+'
    std::from_chars(exponent_at, sci.data() + sci.size(), exponent);
    std::string_view mantissa = sci.substr(0, e);
    bool negative = mantissa.front() == '-';
    if (negative) mantissa.remove_prefix(1);
    // The significant digits, without the point (at most 17 for a double).
    char digit_buffer[32];
    std::size_t count = 0;
    for (char c : mantissa) {
        if (c != '.' && count < sizeof digit_buffer) digit_buffer[count++] = c;
    }
    std::string_view digits(digit_buffer, count);
    if (negative) out.push_back('-');
    if (exponent < -4 || exponent >= 16) {
        out.push_back(digits[0]);
        if (digits.size() > 1) out.append(".").append(digits.substr(1));
        out.push_back('e');
        out.push_back(exponent < 0 ? '-' : '+');
        int magnitude = std::abs(exponent);
        if (magnitude < 10) out.push_back('0');
        append_integer(out, magnitude);
        return;
    }
    if (exponent < 0) {
        out.append("0.").append(static_cast<std::size_t>(-exponent - 1), '0').append(digits);
        return;
    }
    auto whole = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= whole) {
        out.append(digits).append(whole - digits.size(), '0').append(".0");
    } else {
        out.append(digits.substr(0, whole)).append(".").append(digits.substr(whole));
    }
}

bool has_non_finite(const Json& value) noexcept {
    if (value.is_double()) return !std::isfinite(value.get_double());
    if (value.is_array()) {
        for (const Json& item : value.get_array()) {
            if (has_non_finite(item)) return true;
        }
    } else if (value.is_object()) {
        for (const auto& entry : value.get_object()) {
            if (has_non_finite(entry.value())) return true;
        }
    }
    return false;
}

std::string json_text(const Json& value) {
    // Boost.JSON's writer is the fast path; it would write 50.061118 as 5.0061118E1.
    if (!has_double(value)) return boost::json::serialize(value);
    std::string out;
    out.reserve(128);  // most documents fit: one allocation rather than a doubling series
    append_text(out, value);
    return out;
}

}  // namespace vial::detail
