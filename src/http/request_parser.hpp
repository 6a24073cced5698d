#pragma once
// RequestParser: Beast's strict HTTP/1.x parser (it rejects CL+TE smuggling, bad
// lengths and bad chunks) feeding our own parts directly, without building Beast's
// field container, plus the checks Beast leaves to the server (RFC 9112: Host, transfer
// codings, line folding, raw bytes in the target, request-line length). Beast's types
// stop here and in connection.cpp.
#include <vial/headers.hpp>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace vial::detail {

struct ParserLimits {
    std::size_t max_request_line;
    std::size_t max_header_bytes;
    std::size_t max_body_bytes;
};

class RequestParser : public boost::beast::http::basic_parser<true> {
  public:
    explicit RequestParser(const ParserLimits& limits);

    /// Feeds buffered bytes; returns how many were consumed. `ec` is need_more when the
    /// request is incomplete, another error when it is refused: `rejection` then says why
    /// if one of our own checks refused it. Use this, not put(): the raw-byte checks
    /// (empty lines before the request, line folding, quoted chunk extensions, the
    /// request line's length while it arrives) live here.
    std::size_t feed(std::string_view data, boost::beast::error_code& ec);

    /// An HTTP/1.1 request with `Expect: 100-continue`.
    bool expects_continue() const;

    std::string method;
    std::string target;
    /// 10 for HTTP/1.0, 11 for HTTP/1.1.
    int version = 11;
    Headers headers;
    std::string body;
    /// Asked once the request line is in: a value means the request streams its body
    /// (the route's limit, 0 for the default). Unset: every body is buffered.
    std::function<std::optional<std::size_t>(std::string_view method, std::string_view target)>
        streams_body;
    /// The body is not buffered whole: `body` holds what arrived since the consumer last
    /// took it, and no room is reserved for a declared length.
    bool streaming = false;
    /// Set when one of our own checks (not Beast's grammar) refused the request.
    int rejection_status = 0;
    const char* rejection = nullptr;

  private:
    using string_view = boost::beast::string_view;
    using error_code = boost::beast::error_code;

    void reject(error_code& ec, int status, const char* reason);
    void check_request_line_arriving(std::string_view pending, error_code& ec);
    void check_folding(std::string_view consumed, error_code& ec);
    void check_chunk_line(std::string_view pending, error_code& ec);
    void check_host(error_code& ec);
    void check_transfer_encoding(error_code& ec);

    void on_request_impl(boost::beast::http::verb, string_view method_text, string_view target_text,
                         int http_version, error_code& ec) override;
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(boost::beast::http::field field, string_view name, string_view value,
                       error_code&) override;
    void on_header_impl(error_code& ec) override {
        check_host(ec);
        if (!ec) check_transfer_encoding(ec);
    }
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
        if (length && !streaming) body.reserve(static_cast<std::size_t>(*length));
    }
    std::size_t on_body_impl(string_view data, error_code&) override {
        body.append(data.data(), data.size());
        return data.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view data, error_code&) override {
        body.append(data.data(), data.size());
        return data.size();
    }
    void on_finish_impl(error_code&) override {}

    std::size_t max_request_line_;
    int host_fields_ = 0;
    bool host_valid_ = true;
    bool has_transfer_encoding_ = false;
};

}  // namespace vial::detail
