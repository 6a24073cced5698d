#include "json_text.hpp"

#include <boost/json/serialize.hpp>

#include <cmath>

namespace vial::detail {

namespace {

void replace_non_finite(Json& value) {
    if (value.is_double()) {
        if (!std::isfinite(value.get_double())) value = nullptr;
    } else if (value.is_array()) {
        for (Json& item : value.get_array()) replace_non_finite(item);
    } else if (value.is_object()) {
        for (auto& entry : value.get_object()) replace_non_finite(entry.value());
    }
}

}  // namespace

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
    if (!has_non_finite(value)) return boost::json::serialize(value);
    Json finite = value;
    replace_non_finite(finite);
    return boost::json::serialize(finite);
}

}  // namespace vial::detail
