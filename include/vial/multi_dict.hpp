#pragma once
/// vial::MultiDict: decoded key/value pairs where a key may repeat (query args, forms).
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vial {

class MultiDict {
  public:
    using Item = std::pair<std::string, std::string>;

    MultiDict() = default;
    explicit MultiDict(std::vector<Item> items) : items_(std::move(items)) {}

    /// The first value of `key`, if present.
    std::optional<std::string_view> get(std::string_view key) const noexcept;
    /// The first value of `key` converted to T (an arithmetic type or a string), or
    /// `fallback` when missing or not convertible, as Flask's `args.get(k, d, type=int)`.
    template <class T>
    T get(std::string_view key, T fallback) const;
    std::vector<std::string_view> get_all(std::string_view key) const;
    bool contains(std::string_view key) const noexcept { return get(key).has_value(); }

    void add(std::string key, std::string value) {
        items_.emplace_back(std::move(key), std::move(value));
    }
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    auto begin() const noexcept { return items_.begin(); }
    auto end() const noexcept { return items_.end(); }

  private:
    std::vector<Item> items_;
};

template <class T>
T MultiDict::get(std::string_view key, T fallback) const {
    auto raw = get(key);
    if (!raw) return fallback;
    if constexpr (std::is_arithmetic_v<T>) {
        T value{};
        auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
        if (ec != std::errc{} || end != raw->data() + raw->size()) return fallback;
        return value;
    } else {
        return T(*raw);
    }
}

}  // namespace vial
