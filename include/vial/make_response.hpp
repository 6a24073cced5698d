#pragma once
/// What a view may return, and how it becomes a Response (Flask's `make_response`).
///
/// Accepted view results:
///   - vial::Response
///   - text: std::string, std::string_view, const char*  -> text/html; charset=utf-8
///   - JSON: vial::Json, vial::JsonObject, vial::JsonArray -> application/json
///   - std::pair<Body, int> or std::tuple<Body, int>      -> that body with that status
///   - std::tuple<Body, int, vial::Headers>               -> plus extra headers
/// where Body is any of the text or JSON types above.
#include <vial/headers.hpp>
#include <vial/json.hpp>
#include <vial/response.hpp>

#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace vial {

namespace detail {

template <class T>
inline constexpr bool is_text_v =
    std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view> ||
    std::is_same_v<T, const char*> || std::is_same_v<T, char*>;

template <class T>
inline constexpr bool is_json_v =
    std::is_same_v<T, Json> || std::is_same_v<T, JsonObject> || std::is_same_v<T, JsonArray>;

template <class T>
inline constexpr bool is_body_v = is_text_v<T> || is_json_v<T>;

template <class T>
struct is_body_status : std::false_type {};
template <class B>
struct is_body_status<std::pair<B, int>> : std::bool_constant<is_body_v<B>> {};
template <class B>
struct is_body_status<std::tuple<B, int>> : std::bool_constant<is_body_v<B>> {};
template <class B>
struct is_body_status<std::tuple<B, int, Headers>> : std::bool_constant<is_body_v<B>> {};

Response body_response(std::string_view text, int status);
Response body_response(const Json& json, int status);

}  // namespace detail

/// True for every type a view may return (see the list above).
template <class T>
concept ViewResult = std::is_same_v<std::decay_t<T>, Response> ||
    detail::is_body_v<std::decay_t<T>> || detail::is_body_status<std::decay_t<T>>::value;

/// Converts a view result to a Response.
template <ViewResult R>
Response make_response(R&& result) {
    using T = std::decay_t<R>;
    if constexpr (std::is_same_v<T, Response>) {
        return std::forward<R>(result);
    } else if constexpr (detail::is_text_v<T>) {
        return detail::body_response(std::string_view(result), 200);
    } else if constexpr (detail::is_json_v<T>) {
        return detail::body_response(Json(std::forward<R>(result)), 200);
    } else {
        using Body = std::decay_t<std::tuple_element_t<0, T>>;
        Response response = [&] {
            if constexpr (detail::is_text_v<Body>) {
                return detail::body_response(std::string_view(std::get<0>(result)),
                                             std::get<1>(result));
            } else {
                return detail::body_response(Json(std::get<0>(result)), std::get<1>(result));
            }
        }();
        if constexpr (std::tuple_size_v<T> == 3) {
            for (const auto& [name, value] : std::get<2>(result))
                response.headers().set(name, value);
        }
        return response;
    }
}

}  // namespace vial
