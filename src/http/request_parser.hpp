#pragma once
// RequestParser: Beast's strict HTTP/1.x parser (it rejects CL+TE smuggling, bad
// lengths and bad chunks) feeding our own parts directly, without building Beast's
// field container. Beast's types stop here and in connection.cpp.
#include <vial/headers.hpp>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace vial::detail {

class RequestParser : public boost::beast::http::basic_parser<true> {
  public:
    RequestParser(std::size_t max_header_bytes, std::size_t max_body_bytes) {
        header_limit(static_cast<std::uint32_t>(max_header_bytes));
        body_limit(max_body_bytes);
        eager(true);
    }

    std::string method;
    std::string target;
    /// 10 for HTTP/1.0, 11 for HTTP/1.1.
    int version = 11;
    Headers headers;
    std::string body;
    /// Set when one of our own checks (not Beast's grammar) refused the request.
    int rejection_status = 0;
    const char* rejection = nullptr;

  private:
    using string_view = boost::beast::string_view;
    using error_code = boost::beast::error_code;

    void on_request_impl(boost::beast::http::verb, string_view method_text, string_view target_text,
                         int http_version, error_code&) override {
        version = http_version;
        method.assign(method_text.data(), method_text.size());
        target.assign(target_text.data(), target_text.size());
    }
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(boost::beast::http::field field, string_view name, string_view value,
                       error_code&) override {
        std::string_view text(value.data(), value.size());
        headers.add_unchecked(std::string_view(name.data(), name.size()), text);
        // Noted as the fields arrive (Beast has already named them), so the checks below
        // cost no second pass over the headers.
        if (field == boost::beast::http::field::host) {
            ++host_fields_;
            host_valid_ = host_valid_ && is_host_value(text);
        } else if (field == boost::beast::http::field::transfer_encoding) {
            has_transfer_encoding_ = true;
        }
    }
    void reject(error_code& ec, int status, const char* reason) {
        rejection_status = status;
        rejection = reason;
        ec = boost::beast::http::error::bad_value;
    }

    void on_header_impl(error_code& ec) override {
        check_host(ec);
        if (!ec) check_transfer_encoding(ec);
    }

    // RFC 9112 3.2: exactly one Host in HTTP/1.1 (at most one in 1.0), holding a host and
    // an optional port: anything else is a 400.
    void check_host(error_code& ec) {
        if (host_fields_ > 1) return reject(ec, 400, "more than one Host header");
        if (host_fields_ == 0) {
            if (version >= 11) reject(ec, 400, "an HTTP/1.1 request needs a Host header");
            return;
        }
        if (!host_valid_) reject(ec, 400, "invalid Host header");
    }

    // uri-host [":" port] (RFC 3986 3.2.2): unreserved, pct-encoded, sub-delims, and the
    // brackets and colons of IP literals. No userinfo, path, whitespace or controls.
    // A table, since this runs on every request.
    static bool is_host_value(std::string_view value) {
        static constexpr std::array<bool, 256> allowed = [] {
            std::array<bool, 256> table{};
            for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
            for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
            for (int c = '0'; c <= '9'; ++c) table[c] = true;
            for (char c : std::string_view("-._~%!$&'()*+,;=:[]"))
                table[static_cast<unsigned char>(c)] = true;
            return table;
        }();
        for (char c : value) {
            if (!allowed[static_cast<unsigned char>(c)]) return false;
        }
        return true;
    }

    // RFC 9112 6.1: a request whose Transfer-Encoding does not end in "chunked" has no
    // reliable length (a smuggling vector), chunked may be applied once, and HTTP/1.0
    // has no transfer codings: 400. Other codings ("gzip, chunked") are not
    // implemented: 501 (RFC 9112 6.1, SHOULD).
    void check_transfer_encoding(error_code& ec) {
        if (!has_transfer_encoding_) return;
        auto fields = headers.get_all("Transfer-Encoding");
        if (version < 11) return reject(ec, 400, "HTTP/1.0 requests cannot use Transfer-Encoding");
        std::vector<std::string_view> codings;
        for (std::string_view field : fields) {
            while (!field.empty()) {
                std::size_t comma = field.find(',');
                std::string_view coding = field.substr(0, comma);
                field =
                    comma == std::string_view::npos ? std::string_view() : field.substr(comma + 1);
                while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t'))
                    coding.remove_prefix(1);
                while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t'))
                    coding.remove_suffix(1);
                if (!coding.empty()) codings.push_back(coding);
            }
        }
        if (codings.empty() || !iequals(codings.back(), "chunked"))
            return reject(ec, 400, "Transfer-Encoding must end with chunked");
        if (codings.size() > 1) {
            for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
                if (iequals(codings[i], "chunked"))
                    return reject(ec, 400, "chunked may be applied only once");
            }
            return reject(ec, 501, "only the chunked transfer coding is supported");
        }
    }

    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
        if (length) body.reserve(static_cast<std::size_t>(*length));
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

    int host_fields_ = 0;
    bool host_valid_ = true;
    bool has_transfer_encoding_ = false;
};

}  // namespace vial::detail
