#include <vial/error.hpp>
#include <vial/headers.hpp>

#include <algorithm>

#include "headers_access.hpp"

namespace vial {

namespace {

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool is_token_char(unsigned char c) noexcept {
    // RFC 9110 tchar.
    if (c >= '0' && c <= '9') return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::optional<std::string_view> Headers::get(std::string_view name) const noexcept {
    for (const auto& [n, v] : fields_) {
        if (iequals(n, name)) return std::string_view(v);
    }
    return std::nullopt;
}

std::string_view Headers::get_or(std::string_view name, std::string_view fallback) const noexcept {
    auto value = get(name);
    return value ? *value : fallback;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& [n, v] : fields_) {
        if (iequals(n, name)) out.emplace_back(v);
    }
    return out;
}

void Headers::add(std::string name, std::string value) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
            return is_token_char(static_cast<unsigned char>(c));
        })) {
        throw Error("invalid header name '" + name + "': must be an HTTP token");
    }
    detail::check_header_value(name, value);
    fields_.emplace_back(std::move(name), std::move(value));
}

void detail::check_header_value(std::string_view name, std::string_view value) {
    // A plain loop: find_first_of over a set runs a memchr per character (hot: every
    // response's Content-Type passes here).
    // One comparison per safe character: the three are all at or below CR.
    bool unsafe = std::any_of(value.begin(), value.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u <= '\r' && (u == '\r' || u == '\n' || u == '\0');
    });
    if (unsafe) {
        throw Error("invalid value for header '" + std::string(name) +
                    "': CR, LF and NUL are not allowed");
    }
}

void Headers::set(std::string name, std::string value) {
    erase(name);
    add(std::move(name), std::move(value));
}

std::size_t Headers::erase(std::string_view name) noexcept {
    auto before = fields_.size();
    std::erase_if(fields_, [&](const Field& f) { return iequals(f.first, name); });
    return before - fields_.size();
}

}  // namespace vial
