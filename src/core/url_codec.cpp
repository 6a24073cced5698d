#include "url_codec.hpp"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/pct_string_view.hpp>

namespace vial::detail {

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
    if (text.find('%') == std::string_view::npos &&
        (!plus_as_space || text.find('+') == std::string_view::npos)) {
        return std::string(text);  // the common case: nothing to decode
    }
    auto checked = boost::urls::make_pct_string_view(text);
    if (!checked) return std::nullopt;
    boost::urls::encoding_opts options;
    options.space_as_plus = plus_as_space;
    return checked->decode(options);
}

MultiDict parse_urlencoded(std::string_view text) {
    MultiDict out;
    while (!text.empty()) {
        std::size_t amp = text.find('&');
        std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (pair.empty()) continue;
        std::size_t eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        auto k = percent_decode(key, true);
        auto v = percent_decode(value, true);
        out.add(k ? std::move(*k) : std::string(key), v ? std::move(*v) : std::string(value));
    }
    return out;
}

std::optional<std::string> routing_path(std::string_view raw_path) {
    std::string out;
    out.reserve(raw_path.size());
    for (;;) {
        std::size_t slash = raw_path.find('/');
        auto segment = percent_decode(raw_path.substr(0, slash), false);
        if (!segment) return std::nullopt;
        out += escape_for_routing(*segment, false);
        if (slash == std::string_view::npos) return out;
        out += '/';
        raw_path.remove_prefix(slash + 1);
    }
}

std::string escape_for_routing(std::string_view text, bool keep_slash) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '%') {
            out += "%25";
        } else if (c == '/' && !keep_slash) {
            out += "%2F";
        } else {
            out += c;
        }
    }
    return out;
}

std::string unescape_routing(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value.substr(i, 3) == "%25") {
            out += '%';
            i += 2;
        } else if (value.substr(i, 3) == "%2F") {
            out += '/';
            i += 2;
        } else {
            out += value[i];
        }
    }
    return out;
}

namespace {

bool is_unreserved(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

template <class Keep>
std::string escape_except(std::string_view text, Keep keep) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (keep(c)) {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

}  // namespace

std::string percent_encode(std::string_view text, bool keep_slash) {
    return escape_except(text, [keep_slash](unsigned char c) {
        return is_unreserved(c) || (keep_slash && c == '/');
    });
}

std::string encode_path_segment(std::string_view text) {
    return escape_except(text, [](unsigned char c) {
        return is_unreserved(c) || std::string_view("!$&'()*+,;=:@").find(static_cast<char>(c)) !=
                                       std::string_view::npos;
    });
}

}  // namespace vial::detail
