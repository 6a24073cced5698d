#include "request_parser.hpp"
#include "../core/headers_access.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace vial::detail {

namespace http = boost::beast::http;

namespace {

// uri-host [":" port] (RFC 3986 3.2.2): unreserved, pct-encoded, sub-delims, and the
// brackets and colons of IP literals. No userinfo, path, whitespace or controls.
// A table, since this runs on every request.
bool is_host_value(std::string_view value) {
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

bool has_raw_non_ascii(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) return true;
    }
    return false;
}

}  // namespace

RequestParser::RequestParser(const ParserLimits& limits)
    : max_request_line_(limits.max_request_line) {
    header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    body_limit(limits.max_body_bytes);
    eager(true);
}

bool RequestParser::expects_continue() const {
    return version == 11 && iequals(headers.get_or("Expect", ""), "100-continue");
}

void RequestParser::reject(error_code& ec, int status, const char* reason) {
    rejection_status = status;
    rejection = reason;
    ec = http::error::bad_value;
}

namespace {

// The field lines of the head at the start of `data`: each line end followed by another
// line that is not the blank one (as far as `data` goes).
std::size_t count_field_lines(std::string_view data) noexcept {
    std::size_t fields = 0;
    for (std::size_t at = data.find('\n'); at != std::string_view::npos && at + 1 < data.size();
         at = data.find('\n', at + 1)) {
        char next = data[at + 1];
        if (next == '\r' || next == '\n') break;
        ++fields;
    }
    return fields;
}

}  // namespace

std::size_t RequestParser::feed(std::string_view data, error_code& ec) {
    std::size_t skipped = 0;
    if (!got_some()) {
        // RFC 9112 2.2: empty lines before a request line are ignored (a client may send
        // a stray CRLF after a body, before its next pipelined request).
        for (;;) {
            std::string_view rest = data.substr(skipped);
            if (rest.starts_with("\r\n")) {
                skipped += 2;
            } else if (rest.starts_with('\n')) {
                skipped += 1;
            } else if (rest.empty() || rest == "\r") {
                ec = http::error::need_more;
                return skipped;
            } else {
                break;
            }
        }
        data.remove_prefix(skipped);
        // Room for every field at once (not a vector doubling per few fields).
        if (std::size_t fields = count_field_lines(data); fields > 1)
            detail::HeadersAccess::reserve(headers, std::min<std::size_t>(fields, 64));
    }
    bool header_was_done = is_header_done();
    std::size_t used = put(boost::asio::buffer(data.data(), data.size()), ec);
    if (ec == http::error::need_more) {
        error_code check;
        if (!header_was_done && !is_header_done() && method.empty()) {
            check_request_line_arriving(data.substr(used), check);
        } else if (is_header_done() && chunked() && used < data.size()) {
            check_chunk_line(data.substr(used), check);
        }
        if (check) ec = check;
    }
    if (!ec || ec == http::error::need_more) {
        if (!header_was_done && is_header_done()) {
            error_code check;
            check_folding(data.substr(0, used), check);
            if (check) ec = check;
        }
    }
    return skipped + used;
}

// The request line is still arriving: longer than the limit without its end -> 414
// now, rather than after the header limit's worth of bytes.
void RequestParser::check_request_line_arriving(std::string_view pending, error_code& ec) {
    std::string_view line = pending.substr(0, pending.find('\n'));
    if (line.ends_with('\r')) line.remove_suffix(1);  // the line's end, not its text
    if (line.size() > max_request_line_) reject(ec, 414, "the request line is too long");
}

// RFC 9112 5.2: a server may reject obsolete line folding (a header line starting with
// a space or tab) with a 400; nginx, Node and Go do, and so do we, since proxies
// disagree on how to unfold. `consumed` holds the header's fields (and maybe the
// request line and some body): scan its lines until the empty line ending the header.
void RequestParser::check_folding(std::string_view consumed, error_code& ec) {
    for (std::size_t nl = consumed.find('\n');
         nl != std::string_view::npos && nl + 1 < consumed.size();
         nl = consumed.find('\n', nl + 1)) {
        char next = consumed[nl + 1];
        if (next == ' ' || next == '\t')
            return reject(ec, 400, "obsolete line folding in a header is not accepted");
        if (next == '\r' || next == '\n') return;  // the end of the header
    }
}

// Beast is waiting for the rest of a chunk-size line. If that line already ended (its
// CRLF, the only line end Beast knows, is in), Beast has checked the size and is scanning
// a quoted string in a chunk extension past it: a quoted-string cannot hold CR or LF
// (RFC 9110 5.6.4), so the line is malformed now, not when a later '"' arrives.
void RequestParser::check_chunk_line(std::string_view pending, error_code& ec) {
    if (pending.starts_with("\r\n")) pending.remove_prefix(2);  // the previous chunk's CRLF
    std::size_t eol = pending.find("\r\n");
    if (eol == std::string_view::npos) return;  // the line is still arriving
    bool quoted = false;
    for (std::size_t i = 0; i < eol; ++i) {
        if (quoted && pending[i] == '\\') {
            ++i;
        } else if (pending[i] == '"') {
            quoted = !quoted;
        }
    }
    // Not quoted: a complete line Beast waits past is the final chunk's, before trailers.
    if (quoted) reject(ec, 400, "a chunk extension's quoted string is not closed");
}

void RequestParser::on_request_impl(http::verb, string_view method_text, string_view target_text,
                                    int http_version, error_code& ec) {
    version = http_version;
    method.assign(method_text.data(), method_text.size());
    target.assign(target_text.data(), target_text.size());
    // "GET " + target + " HTTP/1.1"
    if (method.size() + target.size() + 10 > max_request_line_)
        return reject(ec, 414, "the request line is too long");
    // RFC 9112 3.2: a target with raw bytes outside ASCII is invalid; a server SHOULD
    // answer 400 rather than guess an encoding.
    if (has_raw_non_ascii(target))
        return reject(ec, 400, "the request target holds raw non-ASCII bytes: percent-encode them");
    if (streams_body) {
        if (auto limit = streams_body(method, target)) {
            streaming = true;
            if (*limit > 0) body_limit(*limit);
        }
    }
}

void RequestParser::on_field_impl(http::field field, string_view name, string_view value,
                                  error_code&) {
    std::string_view text(value.data(), value.size());
    detail::HeadersAccess::add_unchecked(headers, std::string_view(name.data(), name.size()), text);
    // Noted as the fields arrive (Beast has already named them), so the checks below
    // cost no second pass over the headers.
    if (field == http::field::host) {
        ++host_fields_;
        host_valid_ = host_valid_ && is_host_value(text);
    } else if (field == http::field::transfer_encoding) {
        has_transfer_encoding_ = true;
    }
}

// RFC 9112 3.2: exactly one Host in HTTP/1.1 (at most one in 1.0), holding a host and
// an optional port: anything else is a 400.
void RequestParser::check_host(error_code& ec) {
    if (host_fields_ > 1) return reject(ec, 400, "more than one Host header");
    if (host_fields_ == 0) {
        if (version >= 11) reject(ec, 400, "an HTTP/1.1 request needs a Host header");
        return;
    }
    if (!host_valid_) reject(ec, 400, "invalid Host header");
}

// RFC 9112 6.1: a request whose Transfer-Encoding does not end in "chunked" has no
// reliable length (a smuggling vector), chunked may be applied once, and HTTP/1.0
// has no transfer codings: 400. Other codings ("gzip, chunked") are not
// implemented: 501 (RFC 9112 6.1, SHOULD).
void RequestParser::check_transfer_encoding(error_code& ec) {
    if (!has_transfer_encoding_) return;
    auto fields = headers.get_all("Transfer-Encoding");
    if (version < 11) return reject(ec, 400, "HTTP/1.0 requests cannot use Transfer-Encoding");
    std::vector<std::string_view> codings;
    for (std::string_view field : fields) {
        while (!field.empty()) {
            std::size_t comma = field.find(',');
            std::string_view coding = field.substr(0, comma);
            field = comma == std::string_view::npos ? std::string_view() : field.substr(comma + 1);
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

}  // namespace vial::detail
