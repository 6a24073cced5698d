#pragma once
// The session cookie format: base64url(JSON) "." base64url(HMAC-SHA256(secret,
// "vial.session:" + payload)). Signed, not encrypted.
#include <vial/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace vial::detail {

std::string sign_session(const JsonObject& data, std::string_view secret);
/// The data if `cookie` is well-formed and its signature verifies under `secret`.
std::optional<JsonObject> verify_session(std::string_view cookie, std::string_view secret);

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace vial::detail
