#pragma once
/// vial::Session: Flask's signed-cookie session.
///
/// `ctx.session()` loads it from the request's session cookie: a base64url JSON object
/// signed with HMAC-SHA256 under the config's SECRET_KEY. A cookie whose signature does
/// not verify (tampered, or signed with another key) gives an empty session. When a view
/// or hook changed the session, the response carries the new cookie (HttpOnly, Path=/,
/// SameSite=Lax by default; see docs/sessions.md). The data is signed, not encrypted:
/// the client can read it. Touching the session without SECRET_KEY throws vial::Error.
#include <vial/json.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value_from.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace vial {

class Session {
  public:
    /// The value of `key`, or null.
    const Json* get(std::string_view key) const noexcept { return data_.if_contains(key); }
    bool contains(std::string_view key) const noexcept { return data_.contains(key); }
    bool empty() const noexcept { return data_.empty(); }
    /// Sets `key` (the session will be saved).
    template <class T>
    void set(std::string_view key, T&& value) {
        data_[key] = boost::json::value_from(std::forward<T>(value));
        modified_ = true;
    }
    /// A mutable reference to `key`'s value, created null if absent (marks the session modified).
    Json& operator[](std::string_view key) {
        modified_ = true;
        return data_[key];
    }
    bool erase(std::string_view key) {
        bool erased = data_.erase(key) > 0;
        modified_ = modified_ || erased;
        return erased;
    }
    void clear() {
        modified_ = modified_ || !data_.empty();
        data_.clear();
    }
    bool modified() const noexcept { return modified_; }
    const JsonObject& data() const noexcept { return data_; }

    /// Framework use: the session as loaded from a verified cookie.
    explicit Session(JsonObject data = {}) : data_(std::move(data)) {}
    Session(const Session&) = default;
    Session(Session&&) = default;
    /// Assigning replaces the data (and whether it changed), not where the request's
    /// session came from and goes back to (`ctx.session() = vial::Session{}`).
    Session& operator=(const Session& other) {
        data_ = other.data_;
        modified_ = other.modified_;
        return *this;
    }
    Session& operator=(Session&& other) {
        data_ = std::move(other.data_);
        modified_ = other.modified_;
        return *this;
    }

  private:
    friend class RequestContext;  // loads and saves it

    JsonObject data_;
    bool modified_ = false;
    // Where it came from and goes back to, read from the config when it was loaded.
    bool had_cookie_ = false;
    std::string cookie_name_;
    std::string secret_;
};

}  // namespace vial
