#pragma once
/// vial::Config: the app's settings, as Flask's `app.config`.
///
/// Keys are strings, values JSON. Load from a JSON file (`from_file`) and from
/// `VIAL_*` environment variables (`from_env`: VIAL_SECRET_KEY -> "SECRET_KEY"; a value
/// that parses as JSON, such as 42 or true, is stored parsed, anything else as a string).
/// The config is frozen with the app: afterwards it is read-only, so every event loop
/// may read it without locks, and `set` throws vial::Error.
///
/// Keys vial reads (see docs/config.md): SECRET_KEY, SESSION_COOKIE_NAME,
/// SESSION_COOKIE_SECURE, SESSION_COOKIE_SAMESITE, MAX_CONTENT_LENGTH, MAX_HEADER_BYTES,
/// MAX_REQUEST_LINE, HEADER_TIMEOUT_MS, BODY_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS,
/// WRITE_TIMEOUT_MS, MIN_SEND_RATE, MAX_CONNECTIONS, MAX_BUFFERED_BYTES,
/// SHUTDOWN_TIMEOUT_MS.
#include <vial/error.hpp>
#include <vial/json.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace vial {

class Config {
  public:
    /// Sets `key` to any value Boost.JSON can convert (strings, numbers, bools,
    /// containers, vial::Json). Throws vial::Error once the app is frozen.
    template <class T>
    void set(std::string_view key, T&& value) {
        set_json(key, boost::json::value_from(std::forward<T>(value)));
    }
    void set_json(std::string_view key, Json value);
    bool contains(std::string_view key) const noexcept { return values_.contains(key); }
    /// The value of `key` as T (std::string, bool, integers, double, Json...). Throws
    /// vial::Error naming the key if it is missing or not convertible to T.
    template <class T>
    T get(std::string_view key) const;
    /// The value of `key` as T, or `fallback` when missing. A present value of the wrong
    /// type still throws: a typo in a config file should not pass silently.
    template <class T>
    T get(std::string_view key, T fallback) const {
        return contains(key) ? get<T>(key) : fallback;
    }

    /// Merges the JSON object in `path`. Throws vial::Error naming the file and the problem.
    void from_file(const std::string& path);
    /// Merges every environment variable starting with `prefix`, prefix removed.
    void from_env(std::string_view prefix = "VIAL_");

    const JsonObject& values() const noexcept { return values_; }
    void freeze() noexcept { frozen_ = true; }

  private:
    [[noreturn]] void wrong_type(std::string_view key, const char* expected) const;

    JsonObject values_;
    bool frozen_ = false;
};

template <class T>
T Config::get(std::string_view key) const {
    auto found = values_.find(key);
    if (found == values_.end()) throw Error("config key '" + std::string(key) + "' is not set");
    const Json& value = found->value();
    if constexpr (std::is_same_v<T, Json>) {
        return value;
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!value.is_string()) wrong_type(key, "a string");
        return std::string(value.get_string());
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!value.is_bool()) wrong_type(key, "true or false");
        return value.get_bool();
    } else if constexpr (std::is_integral_v<T>) {
        auto number =
            value.if_int64() ? std::optional<std::int64_t>(*value.if_int64())
            : value.if_uint64() && *value.if_uint64() <= static_cast<std::uint64_t>(INT64_MAX)
                ? std::optional<std::int64_t>(static_cast<std::int64_t>(*value.if_uint64()))
                : std::nullopt;
        // Negative values compare as signed, positive ones as unsigned (so that neither
        // -5 for an int nor 2^63 for a uint64_t is misjudged).
        if (!number || *number < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
            (*number > 0 && static_cast<std::uint64_t>(*number) >
                                static_cast<std::uint64_t>(std::numeric_limits<T>::max()))) {
            wrong_type(key, "an integer in range");
        }
        return static_cast<T>(*number);
    } else if constexpr (std::is_floating_point_v<T>) {
        if (!value.is_number()) wrong_type(key, "a number");
        return static_cast<T>(value.to_number<double>());
    } else {
        try {
            return boost::json::value_to<T>(value);
        } catch (const std::exception&) {
            wrong_type(key, "convertible to the requested type");
        }
    }
}

}  // namespace vial
