#pragma once
// A parsed URL rule: "/items/<int:id>" -> segments [static "items", int param "id"].
#include <string>
#include <string_view>
#include <vector>

namespace vial::detail {

/// Ordered by matching priority among parameters (Werkzeug's converter weights):
/// numbers and UUIDs before strings, `path` last; static text beats all of them.
enum class Converter { Static, Int, Float, Uuid, String, Path };

struct RuleSegment {
    Converter kind;
    /// Static text, or the parameter's name.
    std::string text;
};

class RouteRule {
  public:
    /// Throws vial::Error naming the problem for a malformed rule.
    explicit RouteRule(std::string_view source);

    const std::string& source() const noexcept { return source_; }
    const std::vector<RuleSegment>& segments() const noexcept { return segments_; }
    bool is_static() const noexcept;
    /// Names of the parameters in order of appearance.
    std::vector<std::string> parameter_names() const;
    /// "/items/<int:id>" -> "items_id"; "/" -> "index".
    std::string default_endpoint() const;

  private:
    std::string source_;
    std::vector<RuleSegment> segments_;
};

/// True if `value` is what the converter matches (one segment, or for Path, several).
bool converter_accepts(Converter kind, std::string_view value) noexcept;
const char* converter_name(Converter kind) noexcept;

}  // namespace vial::detail
