#include "response_writer.hpp"

#include <vial/stream.hpp>
#include <vial/version.hpp>

#include <charconv>

#include "../core/response_access.hpp"

namespace vial::detail {

namespace {

bool body_forbidden(int status) {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

// The connection header (when the default for the version is not what happens), then the
// blank line that ends the head.
void end_head(std::string& out, bool keep_alive, int http_version) {
    if (!keep_alive) {
        out += "Connection: close\r\n";
    } else if (http_version == 10) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
}

}  // namespace

void append_decimal(std::string& out, std::size_t value) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
}

namespace {

// The view's headers (not the framing ones, which are the server's), then Server and Date
// unless the view set its own. False when the view asked to close the connection.
bool write_fields(const Response& response, const ResponseFraming& framing, bool keep_alive,
                  std::string& out) {
    bool has_server = false, has_date = false;
    for (const auto& [name, value] : response.headers()) {
        // Framing headers are ours: a wrong Content-Length would desynchronise the
        // connection, so the body's real size is always what is sent.
        if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) continue;
        if (iequals(name, "Connection")) {
            if (iequals(value, "close")) keep_alive = false;
            continue;
        }
        has_server = has_server || iequals(name, "Server");
        has_date = has_date || iequals(name, "Date");
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    if (!has_server) {
        out += "Server: vial/";
        out += kVersion;
        out += "\r\n";
    }
    if (!has_date && !framing.date.empty()) {
        out += "Date: ";
        out += framing.date;
        out += "\r\n";
    }
    return keep_alive;
}

// A streamed response's framing: its declared length, or chunks (HTTP/1.1), or the close
// that ends an HTTP/1.0 body; the producer runs unless this answers HEAD.
WrittenResponse write_stream_framing(const Response& response, const ResponseFraming& framing,
                                     bool keep_alive, bool no_body, std::string& out) {
    WrittenResponse result{.keep_alive = keep_alive};
    if (!no_body) {
        if (auto length = response.stream_body()->length) {
            out += "Content-Length: ";
            append_decimal(out, *length);
            out += "\r\n";
        } else if (framing.http_version == 11) {
            out += "Transfer-Encoding: chunked\r\n";
            result.chunked = true;
        } else {
            result.keep_alive = false;  // HTTP/1.0 without a length: the close ends it
        }
        result.run_stream = !framing.head_request;
    }
    end_head(out, result.keep_alive, framing.http_version);
    return result;
}

}  // namespace

WrittenResponse write_response(const Response& response, const ResponseFraming& framing,
                               std::string& out) {
    int status = response.status();
    if (status < 100 || status > 999) status = 500;
    bool keep_alive = framing.keep_alive;
    // One reservation for the whole response instead of growth steps while appending.
    bool copy_body = response.body().size() <= framing.max_copied_body;
    std::size_t estimate = 160 + (copy_body ? response.body().size() : 0);
    for (const auto& [name, value] : response.headers()) estimate += name.size() + value.size() + 4;
    out.reserve(out.size() + estimate);
    out += "HTTP/1.1 ";
    append_decimal(out, static_cast<std::size_t>(status));
    out += ' ';
    out += status_reason(status);
    out += "\r\n";

    keep_alive = write_fields(response, framing, keep_alive, out);
    bool no_body = body_forbidden(status);
    if (response.is_streamed())
        return write_stream_framing(response, framing, keep_alive, no_body, out);
    if (!no_body) {
        out += "Content-Length: ";
        append_decimal(out, ResponseAccess::content_length(response));
        out += "\r\n";
    }
    end_head(out, keep_alive, framing.http_version);
    if (no_body || framing.head_request) return {.keep_alive = keep_alive};
    if (!copy_body) return {.body = response.body(), .keep_alive = keep_alive};
    out += response.body();
    return {.keep_alive = keep_alive};
}

}  // namespace vial::detail
