#pragma once
/// vial::Request: one parsed HTTP request, as a view sees it.
///
/// Lifetime: owned by the framework for the duration of one request; a view receives it
/// by reference and may use it across `co_await`s until it returns. Copy what must
/// outlive the request (for example into a background task). Not shared between threads.
#include <vial/headers.hpp>
#include <vial/json.hpp>
#include <vial/multi_dict.hpp>

#include <array>
#include <charconv>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace vial {

class BodyStream;

namespace detail {
struct RequestAccess;
class WebSocketTransport;

/// std::optional's interface over a heap box: a pointer's 8 bytes while empty (most
/// requests never parse their cookies, form or JSON), copied deeply.
template <class T>
class Lazy {
  public:
    Lazy() = default;
    Lazy(const Lazy& other) : box_(other.box_ ? std::make_unique<T>(*other.box_) : nullptr) {}
    Lazy(Lazy&&) noexcept = default;
    Lazy& operator=(const Lazy& other) {
        if (this != &other) box_ = other.box_ ? std::make_unique<T>(*other.box_) : nullptr;
        return *this;
    }
    Lazy& operator=(Lazy&&) noexcept = default;
    Lazy& operator=(T value) {
        box_ = std::make_unique<T>(std::move(value));
        return *this;
    }

    explicit operator bool() const noexcept { return box_ != nullptr; }
    T& operator*() const noexcept { return *box_; }
    T* operator->() const noexcept { return box_.get(); }
    template <class... A>
    T& emplace(A&&... args) {
        box_ = std::make_unique<T>(std::forward<A>(args)...);
        return *box_;
    }
    void reset() noexcept { box_.reset(); }

  private:
    std::unique_ptr<T> box_;
};
/// A string a Request refers to rather than copies per request (the connection's peer
/// address, the matched route's endpoint): one pointer. A copy of the Request owns a copy
/// of the string, since it may outlive the connection that lent it (a background task's).
class BorrowedString {
  public:
    BorrowedString() noexcept : bits_(reinterpret_cast<std::uintptr_t>(&empty())) {}
    /// Refers to `text`, which must outlive this. Never a string this one owns: that
    /// would free it.
    void borrow(const std::string& text) noexcept {
        reset();
        bits_ = reinterpret_cast<std::uintptr_t>(&text);
    }
    void own(std::string text) {
        auto* owned = new std::string(std::move(text));
        reset();
        bits_ = reinterpret_cast<std::uintptr_t>(owned) | kOwned;
    }
    BorrowedString(const BorrowedString& other) : BorrowedString() { copy_from(other); }
    // A move keeps a lent string only as a copy of its own: a view may move its Request
    // into a background task that outlives the connection that lent it.
    BorrowedString(BorrowedString&& other) : BorrowedString() { take_from(other); }
    BorrowedString& operator=(const BorrowedString& other) {
        if (this != &other) copy_from(other);
        return *this;
    }
    BorrowedString& operator=(BorrowedString&& other) {
        if (this != &other) take_from(other);
        return *this;
    }
    ~BorrowedString() { reset(); }

    const std::string& get() const noexcept {
        return bits_ ? *reinterpret_cast<const std::string*>(bits_ & ~kOwned) : empty();
    }

  private:
    // The low bit of the pointer: set when the string is this one's (a std::string is
    // aligned to more than 1).
    static constexpr std::uintptr_t kOwned = 1;
    static const std::string& empty() noexcept {
        static const std::string none;
        return none;
    }
    bool owned() const noexcept { return (bits_ & kOwned) != 0; }
    void copy_from(const BorrowedString& other) {
        // Copies of an empty string share the one empty string: no allocation.
        if (other.get().empty()) {
            reset();
            bits_ = reinterpret_cast<std::uintptr_t>(&empty());
        } else {
            own(other.get());
        }
    }
    void take_from(BorrowedString& other) {
        if (other.owned()) {
            reset();
            bits_ = std::exchange(other.bits_, 0);
        } else {
            copy_from(other);
        }
    }
    void reset() noexcept {
        if (bits_ & kOwned) delete reinterpret_cast<std::string*>(bits_ & ~kOwned);
        bits_ = 0;
    }
    std::uintptr_t bits_;
};

/// "GET", "POST", ...: the methods a Request keeps as an index into this table (method()
/// then refers to the table's string), not as a string of its own.
inline const std::array<std::string, 9>& standard_methods() noexcept {
    static const std::array<std::string, 9> methods{"GET",   "POST",    "HEAD",    "PUT",  "DELETE",
                                                    "PATCH", "OPTIONS", "CONNECT", "TRACE"};
    return methods;
}
}  // namespace detail

class Request {
  public:
    /// Builds a request from its parts. `target` is the origin-form request target
    /// (`/path?query`). Throws HttpError(400) if the target is malformed.
    Request(std::string method, std::string target, Headers headers = {}, std::string body = {});

    /// "GET", "POST", ... as sent (methods are case-sensitive).
    const std::string& method() const noexcept {
        return other_method_ ? *other_method_ : detail::standard_methods()[method_index_];
    }
    /// The percent-decoded path, e.g. "/hello/a b".
    const std::string& path() const noexcept { return path_; }
    /// The raw request target as received: path and query, still encoded.
    const std::string& target() const noexcept { return target_; }
    /// The raw query string without '?', still encoded.
    std::string_view query_string() const noexcept;
    /// Decoded query arguments (multi-valued, '+' is a space).
    const MultiDict& args() const;
    const Headers& headers() const noexcept { return headers_; }
    /// Cookies sent by the client (first value wins for a repeated name).
    const std::map<std::string, std::string, std::less<>>& cookies() const;
    /// The request body, exactly as received (de-chunked). Empty on a route registered
    /// with `stream_body = true`: read it with body_stream() there.
    const std::string& body() const noexcept { return body_ ? *body_ : no_body(); }
    /// The body as it arrives, on a route registered with `stream_body = true` (see
    /// vial/body_stream.hpp). Throws vial::Error on other routes.
    BodyStream& body_stream() const;
    /// The body parsed as JSON. Throws HttpError(415) when the Content-Type is not JSON
    /// and HttpError(400), naming the parse error, when the body is not valid JSON.
    const Json& json() const;
    /// The body decoded as application/x-www-form-urlencoded (empty for other types).
    const MultiDict& form() const;
    /// The Content-Type without parameters, lower-case ("application/json").
    std::string mimetype() const;
    /// True when the Content-Type is application/json or any "+json" type.
    bool is_json() const;

    /// A view argument captured by the rule, as text (`<name>` in "/hello/<name>").
    /// Throws vial::Error naming the argument if the rule has no such argument.
    const std::string& view_arg(std::string_view name) const;
    /// A view argument converted to T (`req.view_arg<int>("id")`).
    template <class T>
    T view_arg(std::string_view name) const;
    const std::vector<std::pair<std::string, std::string>>& view_args() const noexcept {
        return view_args_;
    }
    /// The endpoint name of the matched route, empty when none matched.
    const std::string& endpoint() const noexcept { return endpoint_.get(); }

    /// The peer's IP address ("127.0.0.1"); empty in the test client unless set.
    const std::string& remote_addr() const noexcept { return remote_addr_.get(); }
    /// 10 for HTTP/1.0, 11 for HTTP/1.1.
    int http_version() const noexcept { return http_version_; }
    /// True for a valid WebSocket upgrade request (one a WebSocket route can accept).
    bool is_websocket() const noexcept { return websocket_.ptr != nullptr; }
    /// This request's id: the X-Request-ID it came with (when that is 1 to 128 of
    /// `A-Z a-z 0-9 . _ : -`), else 12 random base64url characters generated on first
    /// use. The response echoes it (REQUEST_ID_HEADER), and the access line and every
    /// log line about the request carry it (Logger::for_request).
    const std::string& id() const;

  private:
    friend struct detail::RequestAccess;

    static const std::string& no_body() noexcept {
        static const std::string none;
        return none;
    }

    // A method other than the standard ones (whose index is method_index_, below).
    detail::Lazy<std::string> other_method_;
    std::string target_;
    std::string path_;
    // The path as the router matches it, when it differs from path_ (an escaped '%' or
    // '/' inside a segment; see detail::routing_path). Empty otherwise.
    detail::Lazy<std::string> route_path_;
    // Where the query's '?' is in target_ (kNoQuery: none). 32 bits: a longer target is
    // refused (414).
    static constexpr std::uint32_t kNoQuery = UINT32_MAX;
    std::uint32_t query_pos_ = kNoQuery;
    std::uint8_t http_version_ = 11;
    std::uint8_t method_index_ = 0;
    Headers headers_;
    // Most requests have none: a pointer's 8 bytes while empty.
    detail::Lazy<std::string> body_;
    // The connection's and the route's strings, not copies of them.
    detail::BorrowedString remote_addr_;
    detail::BorrowedString endpoint_;
    std::vector<std::pair<std::string, std::string>> view_args_;
    // Links to the connection that a copy or a move must not carry (a Request handed to
    // a background task outlives them): the new Request's are null. The driver sets them
    // on the Request it serves, in place, and never moves that one.
    template <class T>
    struct ConnectionLink {
        T* ptr = nullptr;
        ConnectionLink() = default;
        ConnectionLink(const ConnectionLink&) noexcept {}
        ConnectionLink& operator=(const ConnectionLink&) noexcept {
            ptr = nullptr;
            return *this;
        }
    };
    // Set by the driver for a valid WebSocket upgrade request.
    ConnectionLink<detail::WebSocketTransport> websocket_;
    // Set by the driver on a route that streams its body.
    ConnectionLink<BodyStream> body_stream_;

    mutable std::string id_;
    mutable std::optional<MultiDict> args_;
    mutable detail::Lazy<MultiDict> form_;
    mutable detail::Lazy<Json> json_;
    mutable detail::Lazy<std::map<std::string, std::string, std::less<>>> cookies_;
};

namespace detail {
[[noreturn]] void throw_bad_view_arg(std::string_view name, std::string_view value);
}

template <class T>
T Request::view_arg(std::string_view name) const {
    const std::string& raw = view_arg(name);
    if constexpr (std::is_arithmetic_v<T>) {
        T value{};
        auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
        if (ec != std::errc{} || end != raw.data() + raw.size()) {
            detail::throw_bad_view_arg(name, raw);
        }
        return value;
    } else {
        return T(raw);
    }
}

}  // namespace vial
