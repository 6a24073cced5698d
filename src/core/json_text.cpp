#include "json_text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vial::detail {

const char* skip_clean_words(const char* p, const char* end) noexcept {
    // Bit tricks on a word: exact for "is any byte below 0x20 / equal to c", whatever the
    // other bytes hold (a borrow only ever runs past a byte that already matched).
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
    while (end - p >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        std::uint64_t control = (word - kOnes * 0x20) & ~word & kHighs;
        if ((control | has_zero(word ^ (kOnes * '"')) | has_zero(word ^ (kOnes * '\\'))) != 0)
            break;
        p += 8;
    }
    return p;
}

const char* skip_clean_blocks(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
    // Sixteen bytes a step (x86-64 always has SSE2): as fast as Boost.JSON's own writer.
    const __m128i below_space = _mm_set1_epi8(0x1f);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        // Unsigned c <= 0x1f exactly when max(c, 0x1f) == 0x1f.
        __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(block, below_space), below_space);
        __m128i special =
            _mm_or_si128(_mm_cmpeq_epi8(block, quote), _mm_cmpeq_epi8(block, backslash));
        if (_mm_movemask_epi8(_mm_or_si128(control, special)) != 0) break;
        p += 16;
    }
    return p;
#else
    return skip_clean_words(p, end);
#endif
}

namespace {

// The bytes a JSON string escapes: control characters, '"' and '\\'.
constexpr std::array<bool, 256> kEscaped = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 0x20; ++c) table[c] = true;
    table['"'] = table['\\'] = true;
    return table;
}();

// As Boost.JSON writes a string: quotes, backslashes and control characters escaped,
// everything else (UTF-8 included) as is.
void append_string(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    const char* run = text.data();  // the start of the bytes not yet copied
    const char* end = text.data() + text.size();
    const char* p = run;
    for (;;) {
        // Clean blocks are skipped whole; a block with something to escape, and the last
        // few bytes, go byte by byte.
        p = skip_clean_blocks(p, end);
        const char* stop = end - p > 16 ? p + 16 : end;  // (p + 16 may be past the end)
        for (; p != stop; ++p) {
            auto c = static_cast<unsigned char>(*p);
            if (!kEscaped[c]) continue;
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
        if (p == end) break;
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
            append_string(out, std::string_view(value.get_string()));
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
    // Our own writer rather than Boost.JSON's, which would write 50.061118 as 5.0061118E1,
    // and which costs a first pass (to find doubles) on top of its own setup.
    std::string out;
    out.reserve(128);  // most documents fit: one allocation rather than a doubling series
    append_text(out, value);
    return out;
}

}  // namespace vial::detail
