#include "app_transport.hpp"

#include <vial/app.hpp>
#include <vial/cancel.hpp>
#include <vial/response.hpp>
#include <vial/server.hpp>
#include <vial/stream.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <fstream>
#include <random>
#include <sstream>

#include "../core/dispatcher.hpp"
#include "../core/headers_access.hpp"
#include "../core/memory_body_stream.hpp"
#include "../core/request_access.hpp"
#include "../core/response_access.hpp"
#include "client_response_access.hpp"
#include "client_state.hpp"
#include "request_shape.hpp"

namespace vial::detail {

namespace {

std::string base64(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                     (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
    }
    if (std::size_t rest = bytes.size() - i) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string read_file(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(std::string("cannot read the ") + what + " '" + path + "'");
    std::ostringstream content;
    content << in.rdbuf();
    return std::move(content).str();
}

std::string multipart_body(const std::vector<MultipartField>& fields, const std::string& boundary) {
    std::string out;
    for (const MultipartField& field : fields) {
        std::string filename = field.filename;
        std::string data = field.value;
        if (!field.file_path.empty()) {
            data = read_file(field.file_path, "multipart file");
            if (filename.empty())
                filename = field.file_path.substr(field.file_path.find_last_of('/') + 1);
        }
        out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.name + "\"";
        if (!filename.empty()) out += "; filename=\"" + filename + "\"";
        out += "\r\n";
        std::string type = field.content_type;
        if (type.empty() && !filename.empty()) type = "application/octet-stream";
        if (!type.empty()) out += "Content-Type: " + type + "\r\n";
        out += "\r\n" + data + "\r\n";
    }
    return out + "--" + boundary + "--\r\n";
}

// The request body and its content type, whichever way the options give it.
Task<InMemoryBody> collect_body(const RequestOptions& options) {
    if (auto body = in_memory_body(options)) co_return std::move(*body);
    std::string type =
        options.content_type.empty() ? "application/octet-stream" : options.content_type;
    if (!options.body_file.empty())
        co_return InMemoryBody{read_file(options.body_file, "body_file"), type};
    if (options.body_stream) {
        std::string bytes;
        for (std::string chunk; !(chunk = co_await options.body_stream()).empty();) bytes += chunk;
        co_return InMemoryBody{std::move(bytes), type};
    }
    if (!options.multipart.empty()) {
        std::string boundary = "vial-" + std::to_string(std::random_device{}());
        co_return InMemoryBody{multipart_body(options.multipart, boundary),
                               "multipart/form-data; boundary=" + boundary};
    }
    co_return InMemoryBody{};
}

bool domain_matches(std::string_view host, std::string_view domain) {
    if (domain.starts_with('.')) domain.remove_prefix(1);
    return host == domain || (host.size() > domain.size() && host.ends_with(domain) &&
                              host[host.size() - domain.size() - 1] == '.');
}

// The Cookie header for `url` from the client's jar.
std::string cookie_header(const ClientState& client, const boost::urls::url_view& url) {
    std::string header;
    std::string host(url.encoded_host());
    std::string path(url.encoded_path().empty() ? "/" : std::string(url.encoded_path()));
    for (const Cookie& cookie : client.cookies()) {
        if (!domain_matches(host, cookie.domain) || !path.starts_with(cookie.path)) continue;
        if (!header.empty()) header += "; ";
        header += cookie.name + "=" + cookie.value;
    }
    return header;
}

bool is_followed_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The app's answer with a streamed body read to its end (an in-process call hands over
// whole responses).
Task<Response> dispatch_whole(const Dispatcher& dispatcher, Request& request,
                              std::size_t max_body_bytes) {
    auto body_stream = attach_memory_body(dispatcher, request, max_body_bytes);
    Response response = co_await dispatcher.full_dispatch(request, false);
    // A streamed response may still read the request's body: collected before it goes.
    if (request.method() != "HEAD") co_await collect_stream(response);
    RequestAccess::set_body_stream(request, nullptr);
    co_return response;
}

// The headers every hop of one call sends: the client's and the call's, the body's type,
// and the authorization.
Headers request_headers(const ClientOptions& o, const RequestOptions& options,
                        const InMemoryBody& body) {
    Headers headers = merged_headers(o, options);
    if (!body.content_type.empty() && !has_content_type(o, options))
        headers.add("Content-Type", body.content_type);
    if (options.basic_auth) {
        headers.set("Authorization", "Basic " + base64(options.basic_auth->first + ":" +
                                                       options.basic_auth->second));
    } else if (!options.bearer_token.empty()) {
        headers.set("Authorization", "Bearer " + options.bearer_token);
    }
    return headers;
}

// The Request the app receives for one hop to `url`, with its Host and the jar's cookies.
std::optional<Request> app_request(const ClientState& client, const std::string& method,
                                   const std::string& url, const boost::urls::url_view& target_url,
                                   const Headers& headers, const std::string& body) {
    Headers sent = headers;
    sent.set("Host", std::string(target_url.encoded_authority()));
    if (client.share) {
        std::string cookies = cookie_header(client, target_url);
        if (!cookies.empty()) sent.set("Cookie", cookies);
    }
    std::string target(target_url.encoded_path().empty() ? "/" : target_url.encoded_path());
    if (target_url.has_query()) target += "?" + std::string(target_url.encoded_query());
    std::optional<Request> request;
    try {
        request.emplace(method, std::move(target), std::move(sent), body);
    } catch (const HttpError& e) {
        throw InvalidUrl(method, url, e.what());
    }
    RequestAccess::set_remote_addr(*request, "127.0.0.1");
    return request;
}

}  // namespace

Task<ClientResponse> send_to_app(std::shared_ptr<const ClientState> client, std::string method,
                                 std::string url, RequestOptions options) {
    const ClientOptions& o = client->options;
    std::string current = resolve_url(o, method, std::move(url), options.params);
    InMemoryBody body = co_await collect_body(options);
    Headers headers = request_headers(o, options, body);
    bool follow = options.follow_redirects.value_or(o.follow_redirects);
    auto timeout = options.timeout.value_or(o.timeout);
    auto started = std::chrono::steady_clock::now();
    const Dispatcher& dispatcher = o.app->dispatcher();

    for (int redirects = 0;; ++redirects) {
        boost::urls::url_view target_url = *boost::urls::parse_uri(current);
        std::optional<Request> request =
            app_request(*client, method, current, target_url, headers, body.bytes);

        auto left = timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - started);
        std::optional<Response> response;
        std::exception_ptr timed_out;
        try {
            Task<Response> whole = dispatch_whole(
                dispatcher, *request, server_options(o.app->config()).limits.max_body_bytes);
            response.emplace(co_await vial::timeout(std::max(left, std::chrono::milliseconds(0)),
                                                    std::move(whole)));
        } catch (const TimeoutError&) {
            timed_out = std::current_exception();
        }
        if (timed_out)
            throw ReadTimeout(
                method, current,
                "no answer within timeout " + std::to_string(timeout.count()) + " ms");

        if (client->share) {
            for (std::string_view line : response->headers().get_all("Set-Cookie"))
                client->store_set_cookie(std::string(target_url.encoded_host()), line);
        }
        auto location = response->headers().get("Location");
        if (follow && is_followed_redirect(response->status()) && location) {
            if (redirects >= o.max_redirects)
                throw TooManyRedirects(
                    method, current, "more than " + std::to_string(o.max_redirects) + " redirects");
            auto reference = boost::urls::parse_uri_reference(*location);
            if (!reference)
                throw TransportError(method, current, "bad Location: " + std::string(*location));
            boost::urls::url base(current);
            base.resolve(*reference).value();
            current = std::string(base.buffer());
            // As browsers and httpx: 303, and 301/302 after a POST, continue as GET.
            int status = response->status();
            if (status == 303 || ((status == 301 || status == 302) && method == "POST")) {
                method = method == "HEAD" ? "HEAD" : "GET";
                body = InMemoryBody{};
                headers.erase("Content-Type");
            }
            continue;
        }

        // As a client receives it: the framing header the server would have sent.
        if (!response->is_streamed()) {
            detail::ResponseAccess::show_head_length(*response);
            if (!response->headers().contains("Content-Length"))
                detail::HeadersAccess::add_unchecked(response->headers(), "Content-Length",
                                                     std::to_string(response->body().size()));
        }
        Headers received = response->headers();
        ClientResponse result;
        ClientResponseAccess::fill(result, method, response->status(),
                                   status_reason(response->status()), std::move(received),
                                   std::move(response->body()), current, "HTTP/1.1",
                                   std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - started));
        co_return result;
    }
}

}  // namespace vial::detail
