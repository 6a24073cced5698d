#include <vial/multi_dict.hpp>

namespace vial {

std::optional<std::string_view> MultiDict::get(std::string_view key) const noexcept {
    for (const auto& [k, v] : items_) {
        if (k == key) return std::string_view(v);
    }
    return std::nullopt;
}

std::vector<std::string_view> MultiDict::get_all(std::string_view key) const {
    std::vector<std::string_view> out;
    for (const auto& [k, v] : items_) {
        if (k == key) out.emplace_back(v);
    }
    return out;
}

}  // namespace vial
