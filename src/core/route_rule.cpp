#include "route_rule.hpp"

#include <vial/error.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace vial::detail {

namespace {

Converter parse_converter(std::string_view name, std::string_view rule) {
    if (name == "string" || name == "default") return Converter::String;
    if (name == "int") return Converter::Int;
    if (name == "float") return Converter::Float;
    if (name == "path") return Converter::Path;
    if (name == "uuid") return Converter::Uuid;
    throw Error("unknown converter '" + std::string(name) + "' in rule '" + std::string(rule) +
                "' (known: string, int, float, path, uuid)");
}

bool is_identifier(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(),
                       [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

RouteRule::RouteRule(std::string_view source) : source_(source) {
    auto fail = [&](const std::string& why) {
        throw Error("invalid rule '" + std::string(source) + "': " + why);
    };
    if (source.empty() || source[0] != '/') fail("a rule must start with '/'");
    std::string_view rest = source.substr(1);
    std::vector<std::string> names;
    for (;;) {
        std::size_t slash = rest.find('/');
        std::string_view segment = rest.substr(0, slash);
        if (segment.find('<') != std::string_view::npos ||
            segment.find('>') != std::string_view::npos) {
            if (segment.front() != '<' || segment.back() != '>' || segment.size() < 3 ||
                segment.find('<', 1) != std::string_view::npos) {
                fail("a variable like <int:id> must be a whole path segment");
            }
            std::string_view inner = segment.substr(1, segment.size() - 2);
            std::size_t colon = inner.find(':');
            Converter kind = Converter::String;
            std::string_view name = inner;
            if (colon != std::string_view::npos) {
                kind = parse_converter(inner.substr(0, colon), source);
                name = inner.substr(colon + 1);
            }
            if (!is_identifier(name))
                fail("variable name '" + std::string(name) + "' is not an identifier");
            if (std::find(names.begin(), names.end(), name) != names.end()) {
                fail("variable '" + std::string(name) + "' appears twice");
            }
            names.emplace_back(name);
            segments_.push_back({kind, std::string(name)});
        } else {
            segments_.push_back({Converter::Static, std::string(segment)});
        }
        if (slash == std::string_view::npos) break;
        rest = rest.substr(slash + 1);
    }
}

bool RouteRule::is_static() const noexcept {
    return std::all_of(segments_.begin(), segments_.end(),
                       [](const RuleSegment& s) { return s.kind == Converter::Static; });
}

std::vector<std::string> RouteRule::parameter_names() const {
    std::vector<std::string> out;
    for (const auto& s : segments_) {
        if (s.kind != Converter::Static) out.push_back(s.text);
    }
    return out;
}

std::string RouteRule::default_endpoint() const {
    std::string out;
    for (const auto& s : segments_) {
        if (s.text.empty()) continue;
        if (!out.empty()) out += '_';
        for (char c : s.text) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
    return out.empty() ? "index" : out;
}

bool converter_accepts(Converter kind, std::string_view value) noexcept {
    switch (kind) {
        case Converter::Static:
            return false;
        case Converter::String:
            return !value.empty() && value.find('/') == std::string_view::npos;
        case Converter::Path:
            return !value.empty() && value.front() != '/';
        case Converter::Int: {
            if (!all_digits(value)) return false;
            std::int64_t v;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
            return ec == std::errc{};  // a value past int64 does not match: 404, not overflow
        }
        case Converter::Float: {
            std::size_t dot = value.find('.');
            return dot != std::string_view::npos && all_digits(value.substr(0, dot)) &&
                   all_digits(value.substr(dot + 1));
        }
        case Converter::Uuid: {
            if (value.size() != 36) return false;
            for (std::size_t i = 0; i < 36; ++i) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? value[i] != '-' : !std::isxdigit(static_cast<unsigned char>(value[i])))
                    return false;
            }
            return true;
        }
    }
    return false;
}

const char* converter_name(Converter kind) noexcept {
    switch (kind) {
        case Converter::Static:
            return "static";
        case Converter::String:
            return "string";
        case Converter::Int:
            return "int";
        case Converter::Float:
            return "float";
        case Converter::Uuid:
            return "uuid";
        case Converter::Path:
            return "path";
    }
    return "?";
}

}  // namespace vial::detail
