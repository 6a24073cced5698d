#include "response_writer.hpp"

#include <vial/stream.hpp>
#include <vial/version.hpp>

#include <cassert>
#include <charconv>
#include <cstring>

#include "../core/response_access.hpp"

namespace vial::detail {

namespace {

bool body_forbidden(int status) {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

// The head's text, written through a cursor into room sized once: a dozen short pieces
// cost one size check and one resize instead of a capacity check and a memcpy call each
// (literals of known length are copied inline).
class HeadText {
  public:
    HeadText(std::string& out, std::size_t room) : out_(out) {
        std::size_t start = out.size();
        out.resize(start + room);
        at_ = out.data() + start;
    }
    HeadText(const HeadText&) = delete;
    HeadText& operator=(const HeadText&) = delete;
    ~HeadText() {
        assert(at_ <= out_.data() + out_.size() && "head_room underestimated the head");
        out_.resize(static_cast<std::size_t>(at_ - out_.data()));
    }

    template <std::size_t N>
    void put(const char (&literal)[N]) {
        std::memcpy(at_, literal, N - 1);
        at_ += N - 1;
    }
    void put(std::string_view text) {
        std::memcpy(at_, text.data(), text.size());
        at_ += text.size();
    }
    void put_decimal(std::size_t value) { at_ = std::to_chars(at_, at_ + kDecimalRoom, value).ptr; }
    // A status is three digits (write_response keeps it in 100..999).
    void put_status(int status) {
        at_[0] = static_cast<char>('0' + status / 100);
        at_[1] = static_cast<char>('0' + status / 10 % 10);
        at_[2] = static_cast<char>('0' + status % 10);
        at_ += 3;
    }

    static constexpr std::size_t kDecimalRoom = 20;  // digits of the largest size_t

  private:
    std::string& out_;
    char* at_;
};

// Room for the head's fixed parts: the status line without its reason, Server, Date's
// name, the framing field (its longest: "Transfer-Encoding: chunked" or a Content-Length
// of 20 digits) and the Connection field, and the blank line.
constexpr std::size_t kFixedRoom = sizeof "HTTP/1.1 200 \r\n" + sizeof "Server: vial/\r\n" +
                                   sizeof "Date: \r\n" + sizeof "Content-Length: \r\n" +
                                   HeadText::kDecimalRoom + sizeof "Connection: keep-alive\r\n" +
                                   sizeof "\r\n";

// The connection header (when the default for the version is not what happens), then the
// blank line that ends the head.
void end_head(HeadText& head, bool keep_alive, int http_version) {
    if (!keep_alive) {
        head.put("Connection: close\r\n");
    } else if (http_version == 10) {
        head.put("Connection: keep-alive\r\n");
    }
    head.put("\r\n");
}

// The view's headers (not the framing ones, which are the server's), then Server and Date
// unless the view set its own. False when the view asked to close the connection.
bool write_fields(const Response& response, const ResponseFraming& framing, bool keep_alive,
                  HeadText& head) {
    bool has_server = false, has_date = false;
    for (const auto& [name, value] : response.headers()) {
        // Framing headers are ours: a wrong Content-Length would desynchronise the
        // connection, so the body's real size is always what is sent. (By length first:
        // most names are none of these, and are told so without a comparison.)
        switch (name.size()) {
            case 14:
                if (iequals(name, "Content-Length")) continue;
                break;
            case 17:
                if (iequals(name, "Transfer-Encoding")) continue;
                break;
            case 10:
                if (iequals(name, "Connection")) {
                    if (iequals(value, "close")) keep_alive = false;
                    continue;
                }
                break;
            case 6:
                has_server = has_server || iequals(name, "Server");
                break;
            case 4:
                has_date = has_date || iequals(name, "Date");
                break;
            default:
                break;
        }
        head.put(name);
        head.put(": ");
        head.put(value);
        head.put("\r\n");
    }
    if (!has_server) {
        head.put("Server: vial/");
        head.put(kVersion);
        head.put("\r\n");
    }
    if (!has_date && !framing.date.empty()) {
        head.put("Date: ");
        head.put(framing.date);
        head.put("\r\n");
    }
    return keep_alive;
}

// A streamed response's framing: its declared length, or chunks (HTTP/1.1), or the close
// that ends an HTTP/1.0 body; the producer runs unless this answers HEAD.
WrittenResponse write_stream_framing(const Response& response, const ResponseFraming& framing,
                                     bool keep_alive, bool no_body, HeadText& head) {
    WrittenResponse result{.keep_alive = keep_alive};
    if (!no_body) {
        if (auto length = response.stream_body()->length) {
            head.put("Content-Length: ");
            head.put_decimal(*length);
            head.put("\r\n");
        } else if (framing.http_version == 11) {
            head.put("Transfer-Encoding: chunked\r\n");
            result.chunked = true;
        } else {
            result.keep_alive = false;  // HTTP/1.0 without a length: the close ends it
        }
        result.run_stream = !framing.head_request;
    }
    end_head(head, result.keep_alive, framing.http_version);
    return result;
}

// Room for the head of `response`: its fixed parts, its reason phrase and its fields.
std::size_t head_room(const Response& response, const ResponseFraming& framing,
                      std::string_view reason) {
    std::size_t room =
        kFixedRoom + reason.size() + std::string_view(kVersion).size() + framing.date.size();
    for (const auto& [name, value] : response.headers()) room += name.size() + value.size() + 4;
    return room;
}

// The head: status line, fields, framing, blank line.
WrittenResponse write_head(const Response& response, const ResponseFraming& framing, int status,
                           std::string_view reason, bool no_body, HeadText& head) {
    head.put("HTTP/1.1 ");
    head.put_status(status);
    head.put(" ");
    head.put(reason);
    head.put("\r\n");
    bool keep_alive = write_fields(response, framing, framing.keep_alive, head);
    if (response.is_streamed())
        return write_stream_framing(response, framing, keep_alive, no_body, head);
    if (!no_body) {
        head.put("Content-Length: ");
        head.put_decimal(ResponseAccess::content_length(response));
        head.put("\r\n");
    }
    end_head(head, keep_alive, framing.http_version);
    return {.keep_alive = keep_alive};
}

}  // namespace

void append_decimal(std::string& out, std::size_t value) {
    char digits[HeadText::kDecimalRoom];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
}

WrittenResponse write_response(const Response& response, const ResponseFraming& framing,
                               std::string& out) {
    int status = response.status();
    if (status < 100 || status > 999) status = 500;
    std::string_view reason = status_reason(status);
    bool no_body = body_forbidden(status);
    const std::string& body = response.body();
    bool copy_body = body.size() <= framing.max_copied_body;
    std::size_t room = head_room(response, framing, reason);
    // One reservation for the head and the body it is sent with.
    out.reserve(out.size() + room + (copy_body ? body.size() : 0));
    WrittenResponse written;
    {
        HeadText head(out, room);
        written = write_head(response, framing, status, reason, no_body, head);
    }
    if (response.is_streamed() || no_body || framing.head_request) return written;
    if (!copy_body) {
        written.body = body;
        return written;
    }
    out += body;
    return written;
}

}  // namespace vial::detail
