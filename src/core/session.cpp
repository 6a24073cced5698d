// RequestContext's session: loaded lazily from the cookie, saved by the dispatcher.
#include <vial/app.hpp>
#include <vial/request_context.hpp>

#include "log.hpp"
#include "session_codec.hpp"

namespace vial {

namespace {

std::string secret_key(const Config& config) {
    std::string secret = config.get<std::string>("SECRET_KEY", "");
    if (secret.empty()) {
        throw Error(
            "the session needs a secret key: set app.config().set(\"SECRET_KEY\", ...) "
            "or the VIAL_SECRET_KEY environment variable");
    }
    return secret;
}

}  // namespace

Session& RequestContext::session() {
    if (!session_) {
        const Config& config = app_.config();
        auto session = std::make_unique<Session>();
        session->secret_ = secret_key(config);
        session->cookie_name_ = config.get<std::string>("SESSION_COOKIE_NAME", "session");
        const auto& cookies = request_.cookies();
        auto cookie = cookies.find(session->cookie_name_);
        session->had_cookie_ = cookie != cookies.end();
        if (session->had_cookie_) {
            if (auto data = detail::verify_session(cookie->second, session->secret_))
                session->data_ = std::move(*data);
        }
        session_ = std::move(session);
    }
    return *session_;
}

void RequestContext::save_session(Response& response) const {
    if (!session_ || !session_->modified()) return;
    const Config& config = app_.config();
    const std::string& name = session_->cookie_name_;  // read when the session was loaded
    if (session_->empty()) {
        if (session_->had_cookie_) response.delete_cookie(name);
        return;
    }
    CookieOptions options;
    options.httponly = true;
    options.secure = config.get<bool>("SESSION_COOKIE_SECURE", false);
    options.samesite = config.get<std::string>("SESSION_COOKIE_SAMESITE", "Lax");
    std::string value = detail::sign_session(session_->data(), session_->secret_);
    if (value.size() > 4000) {
        detail::log::warning("session cookie is " + std::to_string(value.size()) +
                             " bytes; browsers ignore cookies over ~4 KiB");
    }
    response.set_cookie(name, value, options);
}

}  // namespace vial
