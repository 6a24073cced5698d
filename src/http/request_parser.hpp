#pragma once
// RequestParser: Beast's strict HTTP/1.x parser (it rejects CL+TE smuggling, bad
// lengths and bad chunks) feeding our own parts directly, without building Beast's
// field container. Beast's types stop here and in connection.cpp.
#include <vial/headers.hpp>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <string>

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
    void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                       error_code&) override {
        headers.add_unchecked(std::string_view(name.data(), name.size()),
                              std::string_view(value.data(), value.size()));
    }
    // RFC 9112 6.1: a request whose Transfer-Encoding does not end in "chunked" has no
    // reliable length (a smuggling vector), and HTTP/1.0 has no transfer codings: 400.
    void on_header_impl(error_code& ec) override {
        auto codings = headers.get_all("Transfer-Encoding");
        if (codings.empty()) return;
        std::string_view last = codings.back();
        if (auto comma = last.rfind(','); comma != std::string_view::npos)
            last = last.substr(comma + 1);
        while (!last.empty() && (last.front() == ' ' || last.front() == '\t'))
            last.remove_prefix(1);
        while (!last.empty() && (last.back() == ' ' || last.back() == '\t')) last.remove_suffix(1);
        if (version < 11 || !iequals(last, "chunked"))
            ec = boost::beast::http::error::bad_transfer_encoding;
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
};

}  // namespace vial::detail
