#include "transfer.hpp"

#include <vial/version.hpp>

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <boost/asio/post.hpp>

#include <charconv>
#include <mutex>

#include "../core/headers_access.hpp"
#include "../core/url_codec.hpp"
#include "client_response_access.hpp"
#include "client_state.hpp"
#include "request_shape.hpp"
#include "upload.hpp"

namespace vial::detail {

namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Called by libcurl from within curl_multi_socket_action, on the loop: never throw.
// A streamed body: buffered up to the limit for the reader, who is handed it at once if
// waiting; past the limit, curl keeps this piece and stops reading until the reader
// takes what is buffered (curl_easy_pause in take_chunk).
std::size_t on_stream_body(Transfer& t, char* data, std::size_t n) {
    StreamState& s = *t.stream;
    if (!s.head_sent) send_head(t);
    if (!s.pending.empty() && s.pending.size() + n > StreamState::kBufferLimit) {
        s.paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    s.pending.append(data, n);
    if (s.reader) {
        if (s.reader_slot.is_connected()) s.reader_slot.clear();
        ChunkHandler reader(std::move(*s.reader));
        s.reader.reset();
        boost::asio::post(s.reader_executor,
                          [reader = std::move(reader), chunk = std::move(s.pending)]() mutable {
                              std::move(reader)(nullptr, std::move(chunk));
                          });
        s.pending = std::string();
    }
    return n;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    if (t->watch_progress) t->last_read = Transfer::Clock::now();
    try {
        if (t->stream) return on_stream_body(*t, data, size * count);
        t->body.append(data, size * count);
    } catch (...) {
        return 0;  // out of memory: curl aborts the transfer (CURLE_WRITE_ERROR)
    }
    return size * count;
}

// Header lines of every response in turn (redirects, 100 Continue): a status line starts
// a new block, so what is left is the final response's.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    if (t->watch_progress) t->last_read = Transfer::Clock::now();
    std::string_view line(data, size * count);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    try {
        if (t->stream && t->stream->head_sent) return size * count;  // trailers
        if (line.starts_with("HTTP/")) {
            t->headers = Headers{};
            t->reason.clear();
            std::size_t space = line.find(' ');
            std::string_view rest = space == std::string_view::npos ? "" : line.substr(space + 1);
            t->status = 0;
            std::from_chars(rest.data(), rest.data() + rest.size(), t->status);
            std::size_t reason_at = rest.find(' ');
            if (reason_at != std::string_view::npos)
                t->reason = std::string(rest.substr(reason_at + 1));
        } else if (line.empty()) {
            // The end of a head: the final one, unless an interim 1xx or a redirect curl
            // is about to follow.
            bool interim = t->status >= 100 && t->status < 200;
            bool followed = t->follow_redirects && t->status >= 300 && t->status < 400 &&
                            t->headers.contains("Location");
            if (t->stream && !interim && !followed) send_head(*t);
        } else if (std::size_t colon = line.find(':'); colon != std::string_view::npos) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
                value.remove_prefix(1);
            detail::HeadersAccess::add_unchecked(t->headers, line.substr(0, colon), value);
        }
    } catch (...) {
        return 0;
    }
    return size * count;
}

// The connection is ready and the request about to be sent: the read and write timeouts
// start counting now (connect_timeout covered what came before).
int on_connected(void* user, char*, char*, int, int) {
    auto* t = static_cast<Transfer*>(user);
    t->connected = true;
    t->upload_done = !t->upload_streamed && t->request_body.empty();
    t->last_read = t->last_write = Transfer::Clock::now();
    return CURL_PREREQFUNC_OK;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t total, curl_off_t uploaded) {
    auto* t = static_cast<Transfer*>(user);
    if (uploaded == t->uploaded) return 0;
    t->uploaded = uploaded;
    t->last_write = Transfer::Clock::now();
    // A streamed body of unknown size ends in the read callback instead.
    bool complete = t->upload_streamed
                        ? total > 0 && uploaded >= total
                        : uploaded >= static_cast<curl_off_t>(t->request_body.size());
    if (!t->upload_done && complete) {
        t->upload_done = true;
        t->last_read = t->last_write;  // the wait for the answer starts now
    }
    return 0;
}

std::string origin_of(const boost::urls::url_view& url) {
    std::string port(url.port());
    if (port.empty()) port = url.scheme() == "https" ? "443" : "80";
    return std::string(url.scheme()) + "://" + std::string(url.encoded_host()) + ":" + port;
}

void add_header(Transfer& t, std::string_view name, std::string_view value) {
    // A content type or header from the caller: no CR/LF may split it into two headers.
    check_header_value(name, value);
    std::string line(name);
    line += value.empty() ? ";" : ": ";  // "Name;" sends an empty header in curl's syntax
    line += value;
    t.header_list = curl_slist_append(t.header_list, line.c_str());
}

}  // namespace

Transfer::Transfer(std::shared_ptr<const ClientState> owner) : client(std::move(owner)) {
    global_init();
    easy = client->take_easy();
}

Transfer::~Transfer() {
    if (upload) {
        upload->transfer = nullptr;
        if (upload->producing) upload->stop.emit(boost::asio::cancellation_type::terminal);
    }
    // Out of the multi handle (or never in it): ready for the client's next transfer.
    // Reset first: it still points at the mime parts and the header list.
    if (!added) {
        client->give_back(easy);
    } else {
        curl_easy_cleanup(easy);
    }
    curl_mime_free(mime);
    curl_slist_free_all(header_list);
}

namespace {

// What every transfer sets: the URL, our callbacks, the protocols and codings allowed.
void set_handlers(Transfer& t) {
    CURL* e = t.easy;
    curl_easy_setopt(e, CURLOPT_URL, t.url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // every coding curl decodes
    curl_easy_setopt(e, CURLOPT_USERAGENT, (std::string("vial/") + kVersion).c_str());
}

// Timeouts, redirects, HTTP/2, TLS, cookies and the progress watch.
void set_limits_and_tls(Transfer& t, const RequestOptions& options, bool streamed) {
    CURL* e = t.easy;
    const ClientOptions& client = t.client->options;
    auto timeout = options.timeout.value_or(client.timeout);
    // A stream may run for as long as its reader likes: our watchdog bounds the wait for
    // its head instead (and read_timeout, or else `timeout`, each wait for more bytes).
    if (streamed) t.stream = std::make_shared<StreamState>();
    t.timeout = timeout;
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, streamed ? 0L : static_cast<long>(timeout.count()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(client.connect_timeout.count()));
    bool follow = options.follow_redirects.value_or(client.follow_redirects);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
    t.follow_redirects = follow;
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, static_cast<long>(client.max_redirects));
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                     client.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, client.verify ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, client.verify ? 2L : 0L);
    if (!client.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, client.ca_file.c_str());
    if (!client.cert_file.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, client.cert_file.c_str());
    if (!client.key_file.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, client.key_file.c_str());
    // Over HTTP/2, a request that starts while the connection is being set up waits to
    // share it rather than opening another.
    if (client.http2) curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    t.client->attach_cookies(e);
    // The environment's proxies, read once by the client: set even when empty, so curl
    // does not read the environment itself for each transfer.
    std::string_view scheme = t.origin.substr(0, t.origin.find(':'));
    curl_easy_setopt(e, CURLOPT_PROXY, t.client->proxy_for(scheme).c_str());
    curl_easy_setopt(e, CURLOPT_NOPROXY, t.client->no_proxy().c_str());
    t.watch_progress =
        streamed || client.read_timeout.count() > 0 || client.write_timeout.count() > 0;
    if (t.watch_progress) {
        curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_connected);
        curl_easy_setopt(e, CURLOPT_PREREQDATA, &t);
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, &t);
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    }
}

// The headers, the body (in memory, uploaded, or multipart) and its Content-Type, auth.
// True when the request has a body (an empty one counts).
bool set_headers_and_body(Transfer& t, const RequestOptions& options) {
    CURL* e = t.easy;
    const ClientOptions& client = t.client->options;
    for (const auto& [name, value] : merged_headers(client, options)) add_header(t, name, value);
    std::string content_type;
    bool has_body = true;
    if (auto body = in_memory_body(options)) {
        t.request_body = std::move(body->bytes);
        content_type = std::move(body->content_type);
    } else if (!options.body_file.empty() || options.body_stream) {
        attach_upload(t, options);
        content_type =
            options.content_type.empty() ? "application/octet-stream" : options.content_type;
    } else if (!options.multipart.empty()) {
        attach_multipart(t, options);  // curl sets its Content-Type, with the boundary
        t.upload_streamed = true;
    } else {
        has_body = false;
    }
    if (has_body && !t.mime && !has_content_type(client, options))
        add_header(t, "Content-Type", content_type);
    if (options.basic_auth) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, options.basic_auth->first.c_str());
        curl_easy_setopt(e, CURLOPT_PASSWORD, options.basic_auth->second.c_str());
    } else if (!options.bearer_token.empty()) {
        add_header(t, "Authorization", "Bearer " + options.bearer_token);
    }
    // One round trip, not two: no "Expect: 100-continue" before a body.
    t.header_list = curl_slist_append(t.header_list, "Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.header_list);
    return has_body;
}

// The method, and how a buffered body goes with it.
void set_method(Transfer& t, bool has_body) {
    CURL* e = t.easy;
    if (t.method == "HEAD") {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (t.upload_streamed) {
        // attach_upload or attach_multipart chose how it is sent
    } else if (t.method != "GET" || has_body) {
        if (t.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t.method.c_str());
        if (has_body || t.method == "POST") {
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(t.request_body.size()));
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.request_body.data());
        }
    }
}

}  // namespace

std::unique_ptr<Transfer> make_transfer(std::shared_ptr<const ClientState> state,
                                        std::string method, std::string url,
                                        const RequestOptions& options, bool streamed) {
    const ClientOptions& client = state->options;
    auto t = std::make_unique<Transfer>(std::move(state));
    t->method = std::move(method);
    t->url = resolve_url(client, t->method, std::move(url), options.params);
    auto parsed = boost::urls::parse_uri(t->url);
    t->origin = origin_of(*parsed);
    set_handlers(*t);
    set_limits_and_tls(*t, options, streamed);
    bool has_body = set_headers_and_body(*t, options);
    set_method(*t, has_body);
    return t;
}

std::exception_ptr transfer_error(Transfer& t, CURLcode code) {
    // The producer of a streamed body failed (or its file did): that is the error.
    if (t.upload && t.upload->error && code != CURLE_OK) return t.upload->error;
    std::string cause = t.error[0] ? std::string(t.error) : curl_easy_strerror(code);
    auto fail = [&](auto error) { return std::make_exception_ptr(std::move(error)); };
    switch (code) {
        case CURLE_OK:
            return nullptr;
        case CURLE_URL_MALFORMAT:
            return fail(InvalidUrl(t.method, t.url, cause));
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            return fail(ConnectError(t.method, t.url, "cannot resolve the host: " + cause));
        case CURLE_COULDNT_CONNECT:
            return fail(ConnectError(t.method, t.url, "failed to connect: " + cause));
        case CURLE_OPERATION_TIMEDOUT: {
            curl_off_t connected = 0;
            curl_easy_getinfo(t.easy, CURLINFO_CONNECT_TIME_T, &connected);
            if (connected == 0) return fail(ConnectTimeout(t.method, t.url, cause));
            return fail(ReadTimeout(t.method, t.url, cause));
        }
        case CURLE_TOO_MANY_REDIRECTS:
            return fail(TooManyRedirects(t.method, t.url, cause));
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
            return fail(TlsError(t.method, t.url, cause));
        default:
            return fail(TransportError(t.method, t.url, cause));
    }
}

void send_head(Transfer& t) {
    StreamState& s = *t.stream;
    s.head_sent = true;
    if (t.slot.is_connected()) t.slot.clear();
    if (!t.handler) return;
    TransferHandler handler(std::move(*t.handler));
    t.handler.reset();
    boost::asio::post(t.resume_on,
                      [handler = std::move(handler), response = take_response(t)]() mutable {
                          std::move(handler)(nullptr, std::move(response));
                      });
}

ClientResponse take_response(Transfer& t) {
    ClientResponse response;
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    char* effective = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &effective);
    long version = 0;
    curl_easy_getinfo(t.easy, CURLINFO_HTTP_VERSION, &version);
    const char* version_text = version == CURL_HTTP_VERSION_1_0   ? "HTTP/1.0"
                               : version == CURL_HTTP_VERSION_2_0 ? "HTTP/2"
                               : version == CURL_HTTP_VERSION_3   ? "HTTP/3"
                                                                  : "HTTP/1.1";
    ClientResponseAccess::fill(response, t.method, static_cast<int>(status), std::move(t.reason),
                               std::move(t.headers), std::move(t.body),
                               effective ? std::string(effective) : t.url, version_text,
                               std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - t.started));
    return response;
}

}  // namespace vial::detail
