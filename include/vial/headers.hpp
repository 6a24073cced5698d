#pragma once
/// vial::Headers: an ordered, case-insensitive, multi-valued list of HTTP header fields.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vial {

namespace detail {
struct HeadersAccess;
}

/// ASCII case-insensitive equality, as HTTP field names compare.
bool iequals(std::string_view a, std::string_view b) noexcept;

class Headers {
  public:
    using Field = std::pair<std::string, std::string>;

    Headers() = default;
    /// `{{"Accept", "application/json"}, {"X-Request-ID", "abc"}}`, each field checked as
    /// add() checks it.
    Headers(std::initializer_list<Field> fields) {
        for (const auto& [name, value] : fields) add(name, value);
    }

    /// The first value of `name`, if present.
    std::optional<std::string_view> get(std::string_view name) const noexcept;
    /// The first value of `name`, or `fallback`.
    std::string_view get_or(std::string_view name, std::string_view fallback) const noexcept;
    std::vector<std::string_view> get_all(std::string_view name) const;
    bool contains(std::string_view name) const noexcept { return get(name).has_value(); }

    /// Appends a field. Throws vial::Error if the name is not an HTTP token or the value
    /// holds CR, LF or NUL (header injection).
    void add(std::string name, std::string value);
    /// Replaces every field called `name` by one.
    void set(std::string name, std::string value);
    /// Removes every field called `name`; returns how many were removed.
    std::size_t erase(std::string_view name) noexcept;

    std::size_t size() const noexcept { return fields_.size(); }
    bool empty() const noexcept { return fields_.empty(); }
    auto begin() const noexcept { return fields_.begin(); }
    auto end() const noexcept { return fields_.end(); }

  private:
    friend struct detail::HeadersAccess;
    // Appends without validation: for the parser, whose input is already validated, and
    // for the framework's own fields (detail::HeadersAccess).
    void add_unchecked(std::string_view name, std::string_view value) {
        fields_.emplace_back(name, value);
    }
    void reserve(std::size_t fields) { fields_.reserve(fields); }

    std::vector<Field> fields_;
};

}  // namespace vial
