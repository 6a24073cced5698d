#include <vial/escape.hpp>

namespace vial {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence starting at text[i] (Unicode 15, table 3-7:
// no overlong forms, no surrogates, nothing past U+10FFFF); 0 if it is not one.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char lead = byte(i);
    std::size_t length = lead >= 0xC2 && lead <= 0xDF   ? 2
                         : lead >= 0xE0 && lead <= 0xEF ? 3
                         : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                        : 0;
    if (length == 0 || i + length > text.size()) return 0;
    unsigned char second = byte(i + 1);
    unsigned char low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
    unsigned char high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
    if (second < low || second > high) return 0;
    for (std::size_t k = 2; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    }
    return length;
}

}  // namespace

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&#34;";
                break;
            case '\'':
                out += "&#39;";
                break;
            case '\0':
                // NUL is not allowed in HTML text: browsers disagree on what it does.
                out += kReplacement;
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x80) {
                    out += c;
                } else if (std::size_t length = utf8_sequence(text, i)) {
                    out.append(text, i, length);
                    i += length - 1;
                } else {
                    // A byte that is not well-formed UTF-8 never reaches the page raw,
                    // where a browser could decode it in another charset.
                    out += kReplacement;
                }
        }
    }
    return out;
}

}  // namespace vial
