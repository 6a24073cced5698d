#include "connection.hpp"

#include <vial/cancel.hpp>
#include <vial/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>

#include "../core/dispatcher.hpp"
#include "../core/error_page.hpp"
#include "../core/headers_access.hpp"
#include "../core/log.hpp"
#include "../core/request_access.hpp"
#include "access_log.hpp"
#include "admission.hpp"
#include "body_reader.hpp"
#include "intrusive_list.hpp"
#include "loop.hpp"
#include "parked.hpp"
#include "request_parser.hpp"
#include "request_target.hpp"
#include "response_writer.hpp"
#include "socket_io.hpp"
#include "stream_sender.hpp"
#include "websocket_session.hpp"

namespace vial::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;
constexpr auto kNoDeadline = Clock::time_point::max();
// One read takes at most a pool block; an idle connection's first read of a request
// lands in kFirstRead bytes of await_request's frame (most requests fit; a longer one
// continues in a block at once, with the bytes already in the socket).
constexpr std::size_t kReadChunk = BlockPool::kBlockSize;
constexpr std::size_t kFirstRead = 512;
constexpr std::size_t kMaxPendingOutput = 64 * 1024;
// Larger bodies are written from the Response, not copied next to the head first.
constexpr std::size_t kMaxCopiedBody = 16 * 1024;
// A loop keeps answered requests' header storage for the next requests' up to this many
// fields each (a browser sends 8-16; 16 fields are 1 KiB, what its headers grow to anyway).
constexpr std::size_t kKeptHeaderFields = 16;
constexpr std::size_t kSpareHeaderStorage = 64;  // header vectors a loop keeps

Connection::Connection(Loop& owner, LoopSocket s, ActivityLease label)
    : loop(owner), socket(std::move(s)), accepted(owner.now), activity(std::move(label)) {
    link_front(loop.connections, *this);
    loop.active.fetch_add(1, std::memory_order_relaxed);
}

Connection::~Connection() {
    unlink(loop.connections, *this);
    loop.active.fetch_sub(1, std::memory_order_relaxed);
    // The accept loop admitted it; whatever is still charged goes with it (a parked
    // connection keeps the admission).
    if (body_charged + write_charged > 0) loop.admission.release(body_charged + write_charged);
    if (!handed_off) loop.admission.release_connection();
}

namespace {

struct ReadResult {
    bool closed = false;         // the peer left, or an idle/draining connection ended
    bool idle = false;           // only empty lines came: no request begun, wait again
    int error_status = 0;        // answer this status, then close
    std::size_t bytes_read = 0;  // of this request, for the log of a rejected one
    // Why, for the error page; kept as plain values (text is built only on error).
    const char* rejection = nullptr;         // one of our own checks refused it
    boost::beast::error_code parse_error{};  // Beast's grammar refused it
};

int status_for_parse_error(const boost::beast::error_code& ec) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) return 431;
    if (ec == http::error::body_limit) return 413;
    return 400;
}

// Our own checks carry their status and reason; Beast's grammar errors name the part of
// the message that was malformed ("bad Content-Length").
ReadResult rejected(const RequestParser& parser, const boost::beast::error_code& ec) {
    if (parser.rejection)
        return {.error_status = parser.rejection_status, .rejection = parser.rejection};
    return {.error_status = status_for_parse_error(ec), .parse_error = ec};
}

// The error page's text for a refused request (empty: the status's default text).
std::string reason_for(const ReadResult& read) {
    if (read.rejection) return read.rejection;
    if (read.error_status == 400 && read.parse_error)
        return "Malformed request: " + read.parse_error.message();
    return {};
}

// The memory a request body holds is charged to the budget as it grows: its capacity,
// which the parser reserves for a declared Content-Length up front (charging only what
// arrived would let a trickled body hold its whole reservation for a byte's charge).
// A body that fits the string itself (none, for most requests) costs no shared counter.
void charge_body(Connection& c, const RequestParser& parser) {
    static const std::size_t kInline = std::string().capacity();
    std::size_t held = parser.body.capacity() > kInline ? parser.body.capacity() : 0;
    if (held <= c.body_charged) return;
    c.loop.admission.charge(held - c.body_charged);
    c.body_charged = held;
}

void release_body(Connection& c) {
    if (c.body_charged == 0) return;  // a request without a body: no shared counter touched
    c.loop.admission.release(c.body_charged);
    c.body_charged = 0;
}

// Writes what the socket takes at once, without suspending (the socket is non-blocking):
// true when all of it left. Otherwise what did leave is dropped from `out` and `body`,
// and flush waits for the socket to take the rest. Most answers leave whole, so this
// saves the await's round through the loop's queue. An error is left for flush to meet.
// Precondition: nothing charged for writing (c.write_charged == 0), as between flushes.
bool write_now(Connection& c, std::string& out, std::string_view& body) {
    std::size_t total = out.size() + body.size();
    if (total == 0) return true;
    std::array<asio::const_buffer, 2> buffers{asio::buffer(out),
                                              asio::buffer(body.data(), body.size())};
    boost::system::error_code ec;
    std::size_t n = c.socket.write_some(buffers, ec);
    if (ec == asio::error::would_block) {
        n = 0;
    } else if (ec) {
        return false;
    }
    if (n == total) {
        out.clear();
        return true;
    }
    if (n >= out.size()) {
        body.remove_prefix(n - out.size());
        out.clear();
    } else {
        out.erase(0, n);
    }
    // The client did not take it all: what is left counts against the buffered-bytes
    // budget from now on (flush releases it as it leaves), as after flush's first write.
    c.write_charged = total - n;
    c.loop.admission.charge(c.write_charged);
    return false;
}

bool write_now(Connection& c, std::string& out) {
    std::string_view no_body;
    return write_now(c, out, no_body);
}

constexpr const char* kOverBudget =
    "The server is holding too much unsent data for other clients; try again shortly.";

// A new request while past the budget, or one whose declared body would take it there,
// gets a fast 503 before its body is read.
bool admits_body(const Connection& c, const RequestParser& parser) {
    const Admission& admission = c.loop.admission;
    std::size_t buffered = admission.buffered();  // one load: other loops move it
    if (buffered > admission.max_buffered_bytes()) return false;
    auto length = parser.content_length();
    // A streamed body is handed to the view piece by piece, never held whole.
    return !length || parser.streaming || *length <= admission.max_buffered_bytes() - buffered;
}

// Where reading one request stands, across feed_buffered and read_request.
struct ReadProgress {
    bool continue_sent = false;
    bool head_checked = false;
    std::size_t bytes_read = 0;  // of this request
    Connection::TimePoint header_deadline{};
};

// Feeds the buffered bytes to the parser: true, with the result in `read`, when the
// request is complete or refused (or only empty lines came); false when more must be
// read. Not a coroutine: a request that arrived whole (nearly all) is read without a
// frame of its own. (The result is written in place: the caller's frame, which lives
// while the view waits, then holds no second copy.)
bool feed_buffered(Connection& c, ReadBuffer& buffer, std::string& out, RequestParser& parser,
                   ReadProgress& progress, ReadResult& read) {
    auto done = [&](ReadResult result) {
        read = result;
        return true;
    };
    auto refuse = [&](ReadResult result) {
        result.bytes_read = progress.bytes_read;
        return done(result);
    };
    while (buffer.size() > 0) {
        boost::beast::error_code ec;
        std::size_t used =
            parser.feed({static_cast<const char*>(buffer.data().data()), buffer.size()}, ec);
        buffer.consume(used);
        if (ec == http::error::need_more) {
            ec = {};
        } else if (ec) {
            return refuse(rejected(parser, ec));
        }
        if (parser.is_header_done()) {
            if (!progress.head_checked) {
                progress.head_checked = true;
                if (!admits_body(c, parser))
                    return refuse({.error_status = 503, .rejection = kOverBudget});
            }
            // The view reads a streamed body itself (ServerBodyStream).
            if (parser.streaming) return done({.bytes_read = progress.bytes_read});
            charge_body(c, parser);
            if (c.body_charged > 0 && c.loop.admission.over_budget())
                return refuse({.error_status = 503, .rejection = kOverBudget});
        }
        if (parser.is_done()) return done({.bytes_read = progress.bytes_read});
        // Only empty lines so far (a stray CRLF after the last body): still idle, and
        // waiting is await_request's (which holds no request state and may park).
        if (!parser.got_some() && buffer.size() == 0) return done({.idle = true});
        if (parser.is_header_done() && !progress.continue_sent && parser.expects_continue()) {
            out += "HTTP/1.1 100 Continue\r\n\r\n";
            progress.continue_sent = true;
        }
        if (used == 0) break;
    }
    return false;
}

// Reads the rest of a request that feed_buffered could not complete, feeding what
// arrives, until the request is complete; the header timeout runs from its start.
// Pending responses are flushed before blocking on a read, so pipelined requests already
// buffered are answered together in one write.
// The result is written to `read` (not returned: its caller's frame, which lives while
// the view waits, then holds no copy).
Task<void> read_request(Connection& c, ReadBuffer& buffer, std::string& out, RequestParser& parser,
                        ReadProgress& progress, ReadResult& read) {
    const ConnectionLimits& limits = c.loop.options.limits;
    for (;;) {
        if (feed_buffered(c, buffer, out, parser, progress, read)) co_return;
        if (!write_now(c, out) && !co_await flush(c, out)) {
            read = ReadResult{.closed = true};
            co_return;
        }

        c.phase = parser.is_header_done() ? Connection::Phase::Body : Connection::Phase::Header;
        c.deadline = c.phase == Connection::Phase::Body
                         // An idle timeout: a body that keeps arriving is not cut.
                         ? c.loop.now + limits.body_timeout
                         : progress.header_deadline;
        c.timed_out = false;
        std::size_t room = read_room(buffer);
        if (room == 0) {
            read = ReadResult{.error_status = 431, .bytes_read = progress.bytes_read};
            co_return;
        }
        auto [ec, n] = co_await c.socket.async_read_some(buffer.prepare(room), on_loop(c));
        c.deadline = kNoDeadline;
        if (ec) {
            read = c.timed_out ? ReadResult{.error_status = 408, .bytes_read = progress.bytes_read}
                               : ReadResult{.closed = true};
            co_return;
        }
        buffer.commit(n);
        progress.bytes_read += n;
    }
}

enum class Awaited : std::uint8_t { request, close, park };

// Waits for the first bytes of the connection's next request, after sending the answers
// still pending. Until they come, the connection holds only this small frame (the bytes
// land in it, then move to a block) and serve_connection's: no read block, no request
// state. `close` when the client left, the keep-alive timeout passed or the server is
// stopping; `park` when the sweeper asked the connection to park.
Task<Awaited> await_request(Connection& c, ReadBuffer& buffer, std::string& out) {
    if (!write_now(c, out) && !co_await flush(c, out)) co_return Awaited::close;
    if (c.loop.stopping && !c.fresh) co_return Awaited::close;
    c.phase = Connection::Phase::Idle;
    c.idle_since = ++c.loop.idle_transitions;
    c.idle_at = c.loop.now;
    c.deadline = c.loop.now + c.loop.options.limits.keep_alive_timeout;
    c.timed_out = false;
    c.park = false;
    buffer.shrink_to_fit();
    std::array<char, kFirstRead> first;
    IdleWaitCount counted(c.loop);  // until this frame ends, however it ends
    auto [ec, n] = co_await c.socket.async_read_some(asio::buffer(first), on_loop(c));
    c.deadline = kNoDeadline;
    if (ec) {
        bool parks = c.park && ec == asio::error::operation_aborted && !c.loop.stopping;
        co_return parks ? Awaited::park : Awaited::close;
    }
    // A whole block (not n bytes), so that the rest of the request fits.
    std::memcpy(buffer.prepare(kReadChunk).data(), first.data(), n);
    buffer.commit(n);
    c.fresh = false;
    co_return Awaited::request;
}

// After an error response the client may still be sending: stop writing, drain what it
// sends for a moment, then close, so the response is not lost to a TCP reset.
Task<void> linger_close(Connection& c, ReadBuffer& buffer) {
    boost::system::error_code ignored;
    c.socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    c.phase = Connection::Phase::Header;
    c.deadline = c.loop.now + std::chrono::seconds(2);
    for (std::size_t drained = 0; drained < 1024 * 1024;) {
        buffer.clear();
        auto [ec, n] = co_await c.socket.async_read_some(buffer.prepare(kReadChunk), on_loop(c));
        if (ec) break;
        drained += n;
    }
    c.socket.close(ignored);
}

// After the last response of a connection: a request body still arriving is drained
// first (closing under it would reset the connection and lose the response); otherwise
// the send side is shut and the caller closes.
Task<void> end_connection(Connection& c, ReadBuffer& buffer, bool body_unread) {
    if (body_unread) {
        co_await linger_close(c, buffer);
        co_return;
    }
    boost::system::error_code ignored;
    c.socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

// What the access line says of a request, kept past the Request itself (which is
// released before the response is written). One string holds the five fields end to end
// (a request waiting on its view keeps 48 bytes of this, not five strings' 160).
class AccessFacts {
  public:
    enum Field { method, target, request_id, referer, user_agent, kFields };

    std::string_view get(Field field) const noexcept {
        std::size_t begin = field == 0 ? 0 : ends_[field - 1];
        return std::string_view(text_).substr(begin, ends_[field] - begin);
    }
    void set_request_line(std::string_view m, std::string_view t) {
        text_.assign(m);
        ends_[method] = static_cast<std::uint32_t>(text_.size());
        text_.append(t);
        ends_[target] = static_cast<std::uint32_t>(text_.size());
        for (int f = request_id; f < kFields; ++f) ends_[f] = ends_[target];
    }
    void note(const Headers& headers, std::string_view id, AccessLogFormat format) {
        text_.resize(ends_[target]);
        append(request_id, id);
        bool combined = format != AccessLogFormat::clf;
        append(referer, combined ? headers.get("Referer").value_or("") : "");
        append(user_agent, combined ? headers.get("User-Agent").value_or("") : "");
    }

  private:
    void append(Field field, std::string_view value) {
        text_.append(value);
        ends_[field] = static_cast<std::uint32_t>(text_.size());
    }

    std::string text_;
    std::array<std::uint32_t, kFields> ends_{};
};

void access_log(AccessLogFormat format, const std::string& remote, const AccessFacts& facts,
                int version, int status, std::size_t bytes, Clock::time_point started,
                std::string_view rejected = {}) {
    write_access_line(format, {.remote = remote,
                               .method = facts.get(AccessFacts::method),
                               .target = facts.get(AccessFacts::target),
                               .version = version,
                               .status = status,
                               .bytes = bytes,
                               .started = started,
                               .request_id = facts.get(AccessFacts::request_id),
                               .referer = facts.get(AccessFacts::referer),
                               .user_agent = facts.get(AccessFacts::user_agent),
                               .rejected = rejected});
}

// At most `limit` bytes of what a client sent, printable ASCII only, for a log line.
std::string printable(std::string_view text, std::size_t limit) {
    std::string out;
    for (char c : text.substr(0, limit)) {
        auto u = static_cast<unsigned char>(c);
        out += u >= 0x20 && u < 0x7F && c != '"' ? c : '?';
    }
    if (text.size() > limit) out += "...";
    return out;
}

// A refused request's line: what was received of its method and target (from the parser
// once the request line was in, else the raw first bytes), the bytes read and why.
void log_rejection(AccessLogFormat format, const std::string& remote, const RequestParser& parser,
                   const ReadBuffer& buffer, const ReadResult& read, std::size_t sent,
                   Clock::time_point started, std::string_view request_id) {
    std::string method = "-";
    std::string target = "-";
    if (!parser.method.empty()) {
        method = printable(parser.method, 32);
        target = printable(parser.target, 256);
    } else if (buffer.size() > 0) {
        std::string_view raw(static_cast<const char*>(buffer.data().data()), buffer.size());
        raw = raw.substr(0, raw.find_first_of("\r\n"));
        std::size_t space = raw.find(' ');
        method = printable(raw.substr(0, space), 32);
        if (space != std::string_view::npos) target = printable(raw.substr(space + 1), 256);
    }
    AccessFacts facts;
    facts.set_request_line(method, target);
    facts.note(parser.headers, request_id, format);
    std::string reason = reason_for(read);
    if (reason.empty()) reason = status_reason(read.error_status);
    reason += " (" + std::to_string(read.bytes_read) + " bytes read)";
    access_log(format, remote, facts, parser.version, read.error_status, sent, started, reason);
}

}  // namespace

// Writes `out`, then `body`, in one gather write per system call. Each time the client
// takes some bytes the deadline moves on (write_timeout between writes, as nginx's
// send_timeout); the sweeper also enforces the minimum send rate and, past the buffered
// bytes budget, closes the oldest stalled writers. Bytes the client has not taken after
// the first write are charged to that budget: a response that leaves at once (nearly
// all of them) touches no shared counter.
Task<bool> flush(Connection& c, std::string& out, std::string_view body) {
    std::size_t total = out.size() + body.size();
    if (total == 0) co_return true;
    c.phase = Connection::Phase::Write;
    c.timed_out = false;
    c.write_started = c.last_progress = c.loop.now;
    c.written = c.written_at_sweep = 0;
    bool ok = true;
    while (c.written < total) {
        std::array<asio::const_buffer, 2> buffers;
        if (c.written < out.size()) {
            buffers = {asio::buffer(out) + c.written, asio::buffer(body.data(), body.size())};
        } else {
            buffers = {asio::buffer(body.data(), body.size()) + (c.written - out.size()),
                       asio::const_buffer()};
        }
        c.deadline = c.loop.now + c.loop.options.limits.write_timeout;
        auto [ec, n] = co_await c.socket.async_write_some(buffers, on_loop(c));
        c.written += n;
        if (c.write_charged > 0) {
            std::size_t taken = std::min(n, c.write_charged);
            c.write_charged -= taken;
            c.loop.admission.release(taken);
        } else if (!ec && c.written < total) {
            c.write_charged = total - c.written;
            c.loop.admission.charge(c.write_charged);
        }
        if (ec) {
            ok = false;
            break;
        }
    }
    if (!ok && c.timed_out) {
        // Cut for not reading (deadline, minimum rate or budget): reset rather than let
        // the kernel keep trickling its queued bytes to a client that does not read.
        boost::system::error_code ignored;
        c.socket.set_option(asio::socket_base::linger(true, 0), ignored);
    }
    if (c.write_charged > 0) c.loop.admission.release(c.write_charged);
    c.write_charged = 0;
    c.deadline = kNoDeadline;
    out.clear();
    co_return ok;
}

void abandon(Connection& c) {
    if (c.abandoned || c.phase != Connection::Phase::Dispatch) return;
    c.abandoned = true;
    c.cancel_view();
}

namespace {

// What every request of a connection shares: where the client is and how it is logged.
struct ConnectionFacts {
    std::string remote;
    AccessLogFormat access;
    bool logging() const noexcept { return access != AccessLogFormat::off; }
};

void start_parser(std::optional<RequestParser>& parser, const Loop& loop) {
    const ConnectionLimits& limits = loop.options.limits;
    parser.emplace(ParserLimits{.max_request_line = limits.max_request_line,
                                .max_header_bytes = limits.max_header_bytes,
                                .max_body_bytes = limits.max_body_bytes});
    if (loop.dispatcher.has_streamed_bodies()) {
        parser->streams_body = [&loop](std::string_view method,
                                       std::string_view target) -> std::optional<std::size_t> {
            // The method first: it spares most requests the target's copy.
            if (!loop.dispatcher.may_stream(method)) return std::nullopt;
            return loop.dispatcher.streamed_body_limit(method, origin_form(std::string(target)));
        };
    }
}

// Answers a request refused before dispatch (its status and reason from the read), logs
// it, and ends the connection.
Task<void> refuse_request(Connection& c, ReadBuffer& buffer, std::string& out,
                          const RequestParser& parser, const ReadResult& read,
                          const ConnectionFacts& facts) {
    Loop& loop = c.loop;
    ResponseFraming framing{.keep_alive = false, .date = {loop.date, sizeof loop.date}};
    std::size_t before = out.size();
    Response refusal = render_http_error(HttpError(read.error_status, reason_for(read)), nullptr);
    if (read.error_status == 503) refusal.headers().set("Retry-After", "1");
    // One id for the refusal and its log line, so that a client can report it.
    std::string id = new_request_id();
    const std::string& id_header = loop.dispatcher.request_id_header();
    if (!id_header.empty()) HeadersAccess::add_unchecked(refusal.headers(), id_header, id);
    write_response(refusal, framing, out);
    if (facts.logging()) {
        log_rejection(facts.access, facts.remote, parser, buffer, read, out.size() - before,
                      Clock::now(), id);
    }
    if (co_await flush(c, out)) co_await linger_close(c, buffer);
}

// Builds the Request of a parsed message in `request` (in place: a Request is large),
// lent `remote` (the connection's, which outlives it); a target the Request refuses becomes
// `refusal` (and the connection will close after it).
void build_request(RequestParser& parser, const std::string& remote,
                   std::optional<Request>& request, Response& refusal) {
    try {
        // A streamed body's first bytes stay with the parser: the view reads them.
        request.emplace(std::move(parser.method), origin_form(std::move(parser.target)),
                        std::move(parser.headers),
                        parser.streaming ? std::string() : std::move(parser.body));
    } catch (const HttpError& e) {
        request.reset();
        refusal = render_http_error(e, nullptr);
        return;
    }
    RequestAccess::lend_remote_addr(*request, remote);
    RequestAccess::set_http_version(*request, parser.version);
}

}  // namespace

namespace {

// One request's state from its parse to its answer.
struct Exchange {
    Clock::time_point started;  // for the access log's duration
    AccessFacts facts;
    std::uint8_t version = 11;  // 10 or 11 (HTTP/1.0, HTTP/1.1)
    /// What answer_now could not finish without waiting, for answer_rest.
    enum class Left : std::uint8_t { nothing, stream, flush, end } left = Left::nothing;
    /// What Dispatcher::begin left to run.
    Dispatch::Next next = Dispatch::Next::finish;
    // Bits, with the bytes above in one word: this block is held while the view waits.
    bool keep_alive : 1 = true;
    bool head : 1 = false;
    /// The view left part of a streamed body on the wire: the connection must close.
    bool unread_body : 1 = false;
    /// The dispatch's finish (its hooks, its end) is done: what is left is the answer's.
    bool finished : 1 = false;
    /// A streamed answer's framing (WrittenResponse::chunked).
    bool chunked : 1 = false;
    /// The serialized answer's body still to write (WrittenResponse::body).
    std::string_view unwritten;
    // Destroyed in reverse: the context, the body stream, then the WebSocket, then the
    // request, and last the response (whose producer may have held on to the others).
    Response response;
    std::optional<Request> request;
    std::unique_ptr<ServerWebSocket> websocket;
    std::unique_ptr<ServerBodyStream> body_stream;
    // Destroyed first (Dispatcher::end releases it earlier on the usual path): the
    // context's `g` and session may refer to anything above, as when it lived in the
    // dispatcher's frame.
    Dispatch dispatch;
};

// Ends the request, its header storage kept for a later one's (unless it grew large).
void retire_request(Exchange& x, Loop& loop) noexcept {
    if (!x.request) return;
    auto& spares = loop.spare_header_storage;
    if (spares.size() < spares.capacity()) {  // reserved by lend_header_storage: no allocation
        auto storage = HeadersAccess::take_storage(RequestAccess::headers(*x.request));
        if (storage.capacity() > 0 && storage.capacity() <= kKeptHeaderFields)
            spares.push_back(std::move(storage));
    }
    x.request.reset();
}

// Storage for a new request's headers, from an answered one's if any.
void lend_header_storage(Headers& headers, Loop& loop) {
    auto& spares = loop.spare_header_storage;
    if (spares.capacity() < kSpareHeaderStorage) spares.reserve(kSpareHeaderStorage);
    if (spares.empty()) return;
    HeadersAccess::adopt_storage(headers, std::move(spares.back()));
    spares.pop_back();
}

void begin_exchange(Exchange& x, const RequestParser& parser, const ConnectionFacts& connection) {
    if (connection.logging()) {
        x.started = Clock::now();
        x.facts.set_request_line(parser.method, parser.target);
    }
    x.keep_alive = parser.keep_alive();
    x.version = static_cast<std::uint8_t>(parser.version);  // Beast takes 1.0 and 1.1 only
    x.head = parser.method == "HEAD";
}

// A valid upgrade request: the ServerWebSocket a WebSocket route may accept (any other
// route answers over HTTP). Null when the client went while earlier answers were sent.
Task<std::unique_ptr<ServerWebSocket>> prepare_upgrade(Connection& c, Request& request,
                                                       ReadBuffer& buffer, std::string& out) {
    auto websocket = std::make_unique<ServerWebSocket>(c, request, c.loop.options.websocket);
    RequestAccess::set_websocket(request, websocket.get());
    c.websocket = websocket.get();
    // Answers to pipelined requests before it leave before a 101 can.
    if (!out.empty() && !co_await flush(c, out)) {
        c.websocket = nullptr;
        co_return nullptr;
    }
    c.phase = Connection::Phase::Dispatch;
    // A socket may idle for hours: it keeps no HTTP read buffer meanwhile.
    buffer.shrink_to_fit();
    out.shrink_to_fit();
    co_return websocket;
}

// Sends a streamed answer whose head is in `out`: the head at once (a client waits for
// it before the first chunk), then the producer's chunks. The request stays alive for
// the producer, which may still read it (without a 100 Continue then: it cannot come
// after the head). True when the connection may carry another request.
Task<bool> answer_streamed(Connection& c, ReadBuffer& buffer, std::string& out, Exchange& x,
                           const ConnectionFacts& connection) {
    if (x.body_stream) x.body_stream->forget_continue();
    if (!co_await flush(c, out)) co_return false;
    std::size_t head_bytes = c.written;
    std::string where = x.request ? x.request->method() + " " + x.request->path() : "-";
    StreamSent sent = co_await send_stream(c, *x.response.stream_body(), x.chunked, out, where);
    if (c.abandoned) co_return false;
    if (connection.logging()) {
        access_log(connection.access, connection.remote, x.facts, x.version, x.response.status(),
                   head_bytes + sent.bytes, x.started);
    }
    retire_request(x, c.loop);
    release_body(c);
    if (!sent.ok) co_return false;
    if (!x.keep_alive) {
        co_await end_connection(c, buffer, x.unread_body && !x.body_stream->finished());
        co_return false;
    }
    co_return true;
}

}  // namespace

// The state of one request in flight, kept out of run_connection's frame and recycled
// by the loop: a connection between requests holds none of it, and the hot path
// allocates none (a frame this large would take malloc's slow path on every request).
// The parser is its own piece: given back once the request is built (unless the view
// streams the body), so that a request whose view waits does not keep it.
struct ParserState {
    std::optional<RequestParser> parser;
    // Here rather than in run_connection's frame, which lives while the view waits.
    ReadProgress progress;
    ReadResult read;
    std::vector<std::unique_ptr<ParserState, RequestStateDeleter>>* spares = nullptr;
    void clear() noexcept {
        parser.reset();
        progress = {};
        read = {};
    }
};
struct RequestState {
    std::optional<Exchange> exchange;
    std::vector<std::unique_ptr<RequestState, RequestStateDeleter>>* spares = nullptr;
    void clear() noexcept { exchange.reset(); }
};

void RequestStateDeleter::operator()(RequestState* state) const noexcept {
    delete state;
}
void RequestStateDeleter::operator()(ParserState* state) const noexcept {
    delete state;
}

namespace {

constexpr std::size_t kSpareStates = 64;

// One state from the loop's spares (or new), given back (cleared) when released or at
// the latest when the lease goes. One pointer: the state knows its spares (a lease lives
// in run_connection's frame, which lives while the view waits).
template <class State>
class Lease {
  public:
    using Spares = std::vector<std::unique_ptr<State, RequestStateDeleter>>;

    explicit Lease(Spares& spares) {
        // Reserved up front, so that giving back (in the destructor) never allocates.
        if (spares.capacity() < kSpareStates) spares.reserve(kSpareStates);
        if (spares.empty()) {
            state_.reset(new State);
            state_->spares = &spares;
        } else {
            state_ = std::move(spares.back());
            spares.pop_back();
        }
    }
    ~Lease() { release(); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    State* operator->() const noexcept { return state_.get(); }
    State& operator*() const noexcept { return *state_; }
    /// Null once released.
    State* get() const noexcept { return state_.get(); }
    void release() noexcept {
        if (!state_) return;
        state_->clear();
        Spares& spares = *state_->spares;
        if (spares.size() < kSpareStates) spares.push_back(std::move(state_));
        state_.reset();
    }

  private:
    std::unique_ptr<State, RequestStateDeleter> state_;
};

}  // namespace

namespace {

// Writes the answer of a dispatched request as far as it goes without suspending: true
// when it is done and the connection carries on (nearly every answer: no coroutine frame
// is made for it); false when the rest is answer_rest's (a streamed body, bytes the
// socket did not take, or a connection to end), with what is left noted in `x`.
bool answer_now(Connection& c, ReadBuffer& buffer, std::string& out, Exchange& x,
                const ConnectionFacts& connection) {
    Loop& loop = c.loop;
    ResponseFraming framing{.keep_alive = x.keep_alive && !loop.stopping,
                            .head_request = x.head,
                            .http_version = x.version,
                            .date = {loop.date, sizeof loop.date},
                            .max_copied_body = kMaxCopiedBody};
    std::size_t before = out.size();
    WrittenResponse written = write_response(x.response, framing, out);
    x.keep_alive = written.keep_alive;
    x.chunked = written.chunked;
    x.unwritten = written.body;
    if (written.run_stream) {
        x.left = Exchange::Left::stream;
        return false;
    }
    retire_request(x, c.loop);  // its body is no longer needed: uncharge it before writing
    release_body(c);
    if (connection.logging()) {
        access_log(connection.access, connection.remote, x.facts, x.version, x.response.status(),
                   out.size() - before + x.unwritten.size(), x.started);
    }
    // Pipelined requests already buffered are answered together, in one write.
    if (!x.keep_alive || buffer.size() == 0 || out.size() > kMaxPendingOutput ||
        !x.unwritten.empty()) {
        if (!write_now(c, out, x.unwritten)) {
            x.left = Exchange::Left::flush;
            return false;
        }
    }
    if (!x.keep_alive) {
        x.left = Exchange::Left::end;
        return false;
    }
    return true;
}

// What answer_now left: the streamed body, the bytes to flush, the connection's end.
// True when the connection may carry another request.
Task<bool> answer_rest(Connection& c, ReadBuffer& buffer, std::string& out, Exchange& x,
                       const ConnectionFacts& connection) {
    if (x.left == Exchange::Left::stream) {
        bool goes_on = co_await answer_streamed(c, buffer, out, x, connection);
        co_return goes_on;
    }
    if (x.left == Exchange::Left::flush) {
        bool sent = co_await flush(c, out, x.unwritten);
        if (!sent) co_return false;
    }
    if (!x.keep_alive) {
        co_await end_connection(c, buffer, x.unread_body);
        co_return false;
    }
    co_return true;
}

// A connection and what its requests share, in one heap block: the coroutine's frame
// then holds a pointer, not a second copy of the socket and the other arguments it was
// started with (a coroutine copies its parameters into its frame), and the coroutines
// below take it as one parameter, not four.
struct ConnectionHome {
    // Nothing here throws once the memory is had: the Connection, which counts itself on
    // the loop, never sees a half-made home.
    ConnectionHome(Loop& loop, LoopSocket socket, ActivityLease activity,
                   std::string remote) noexcept
        : c(loop, std::move(socket), std::move(activity)),
          facts{std::move(remote),
                loop.options.quiet ? AccessLogFormat::off : loop.options.access_log},
          buffer(loop.options.limits.max_header_bytes + kReadChunk, BlockAllocator{&loop.blocks}) {}

    Connection c;
    const ConnectionFacts facts;
    ReadBuffer buffer;
    std::string out;
};

// Where a request's opening steps (its read, its Request, its dispatch's start) left it.
enum class Opened : std::uint8_t {
    later,     // a step must wait (the rest of the head, a refusal, an upgrade): open_rest's
    closed,    // the connection is to close
    idle,      // only empty lines came: no request begun
    dispatch,  // the dispatch has begun (x.next says what is to run)
    answer,    // no view runs: the answer (a refused target) is in x.response
};

Opened begin_dispatch(Connection& c, Exchange& x) {
    c.loop.board->enter(c.activity.cell());
    x.next = c.loop.dispatcher.begin(x.dispatch, *x.request, x.response);
    return Opened::dispatch;
}

// The opening steps once the head is read, none of which waits: the Request built in
// the exchange and, unless it is an upgrade (which must first flush earlier answers),
// its dispatch begun. `later` for a refusal or an upgrade.
Opened open_exchange(ConnectionHome& home, ParserState& parsing, RequestState& state) {
    Connection& c = home.c;
    const ReadResult& read = parsing.read;
    if (read.closed) return Opened::closed;
    if (read.idle) return Opened::idle;
    if (read.error_status) return Opened::later;

    c.phase = Connection::Phase::Dispatch;
    c.dispatch_started = c.loop.now;
    // The view may wait long: its connection holds no read block meanwhile.
    if (home.buffer.size() == 0) home.buffer.shrink_to_fit();
    RequestParser& parser = *parsing.parser;
    Exchange& x = state.exchange.emplace();
    begin_exchange(x, parser, home.facts);
    bool continue_expected = parser.streaming && parser.expects_continue();
    build_request(parser, home.facts.remote, x.request, x.response);
    if (!x.request) {
        x.keep_alive = false;  // the connection closes after a refusal
        return Opened::answer;
    }
    if (parser.streaming) {
        x.body_stream =
            std::make_unique<ServerBodyStream>(c, home.buffer, home.out, parser, continue_expected);
        RequestAccess::set_body_stream(*x.request, x.body_stream.get());
    }
    if (wants_websocket(*x.request) && !upgrade_error(*x.request)) return Opened::later;
    return begin_dispatch(c, x);
}

// The opening steps up to the first that waits: nearly every request arrives whole, and
// is opened without a frame of its own.
Opened open_now(ConnectionHome& home, ParserState& parsing, RequestState& state) {
    Loop& loop = home.c.loop;
    start_parser(parsing.parser, loop);
    lend_header_storage(parsing.parser->headers, loop);
    parsing.progress = {.bytes_read = home.buffer.size(),
                        .header_deadline = loop.now + loop.options.limits.header_timeout};
    if (!feed_buffered(home.c, home.buffer, home.out, *parsing.parser, parsing.progress,
                       parsing.read))
        return Opened::later;
    return open_exchange(home, parsing, state);
}

// Takes the opening from where open_now stopped: reads the rest of the head, sends a
// refusal, or prepares an upgrade. Never `later`.
Task<Opened> open_rest(ConnectionHome& home, ParserState& parsing, RequestState& state) {
    Connection& c = home.c;
    if (!state.exchange) {  // the head is not all read, or is refused
        ReadResult& read = parsing.read;
        if (!read.error_status) {
            co_await read_request(c, home.buffer, home.out, *parsing.parser, parsing.progress,
                                  read);
        }
        Opened opened = open_exchange(home, parsing, state);
        if (opened != Opened::later) co_return opened;
        if (read.error_status) {
            co_await refuse_request(c, home.buffer, home.out, *parsing.parser, read, home.facts);
            co_return Opened::closed;
        }
    }
    Exchange& x = *state.exchange;
    x.websocket = co_await prepare_upgrade(c, *x.request, home.buffer, home.out);
    if (!x.websocket) co_return Opened::closed;
    co_return begin_dispatch(c, x);
}

// The dispatch's end: what the access log keeps of the request's head, noted.
void end_dispatch(Exchange& x, const ConnectionFacts& connection) {
    Dispatcher::end(x.dispatch);
    if (connection.logging())
        x.facts.note(x.request->headers(), x.request->id(), connection.access);
}

// After the dispatch (or without one): the answer, written as far as it goes without
// waiting. `goes_on` when done and the connection carries on; `later` when the rest is
// answer_rest's.
enum class Ended : std::uint8_t { goes_on, closes, later };

Ended answer_after(ConnectionHome& home, const ParserState* parsing, Exchange& x) {
    Connection& c = home.c;
    c.websocket = nullptr;
    if (c.abandoned)
        return Ended::closes;  // nobody to answer: the client left, or shutdown gave up
    // A body the view did not read to its end is still on the wire: the connection
    // cannot carry another request, and closes after a drain (so that the response
    // is not lost to a reset).
    x.unread_body = x.body_stream && !x.body_stream->finished() &&
                    !(parsing->parser->is_done() && parsing->parser->body.empty());
    if (x.unread_body) x.keep_alive = false;
    return answer_now(c, home.buffer, home.out, x, home.facts) ? Ended::goes_on : Ended::later;
}

// The steps after the view when none waits (nearly every request): no after-request or
// teardown hook that must run as a coroutine, no error, no WebSocket.
// `later` when end_rest is to take them from the dispatch's finish (`x.finished` false)
// or from the answer's rest.
Ended end_now(ConnectionHome& home, const ParserState* parsing, Exchange& x, bool dispatched) {
    if (dispatched) {
        if (x.websocket || !home.c.loop.dispatcher.finish_now(x.dispatch, x.response))
            return Ended::later;
        end_dispatch(x, home.facts);
    }
    x.finished = true;
    return answer_after(home, parsing, x);
}

// What end_now left. True when the connection may carry another request.
Task<bool> end_rest(ConnectionHome& home, const ParserState* parsing, Exchange& x) {
    Connection& c = home.c;
    if (!x.finished) {
        const Dispatcher& dispatcher = c.loop.dispatcher;
        if (!dispatcher.finish_now(x.dispatch, x.response))
            co_await dispatcher.finish(x.dispatch, x.response, false);
        end_dispatch(x, home.facts);
        x.finished = true;
        if (x.websocket && x.websocket->accepted()) {
            // The connection was the socket's: it ends with it, whatever the view did.
            co_await x.websocket->finish();
            c.websocket = nullptr;
            if (home.facts.logging()) {
                access_log(home.facts.access, home.facts.remote, x.facts, x.version, 101, 0,
                           x.started);
            }
            co_return false;
        }
        Ended ended = answer_after(home, parsing, x);
        if (ended != Ended::later) co_return ended == Ended::goes_on;
    }
    co_return co_await answer_rest(c, home.buffer, home.out, x, home.facts);
}

// How run_connection calls the view: a sync view, an async view's string or JSON directly
// (no Task<Response> frame adapts them: DirectView), others in Dispatcher::run's frame,
// which holds their Response while they wait (run_connection's would hold one for every
// connection). `none` when no view is to run (an error, a refusal).
enum class ViewCall : std::uint8_t { sync, text, json, run, none };

ViewCall view_call(const Exchange& x) {
    if (x.next == Dispatch::Next::finish) return ViewCall::none;
    if (x.next == Dispatch::Next::view) {
        const DirectView& direct = x.dispatch.route->direct;
        if (direct.sync) return ViewCall::sync;
        if (direct.text) return ViewCall::text;
        if (direct.json) return ViewCall::json;
    }
    return ViewCall::run;
}

std::string remote_of(const LoopSocket& socket) {
    boost::system::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    return ec ? std::string("-") : endpoint.address().to_string();
}

void close_quietly(LoopSocket& socket) {
    boost::system::error_code ignored;
    socket.close(ignored);
}

// The connection's thread of execution: its frame is the thread's entry frame, and its
// loop serves one request at a time, from its first bytes (in the buffer) to its answer.
//
// This frame lives while a view waits, so it keeps only what the view's await needs (a
// frame of its own per request would cost its header, promise and malloc chunk): the
// request's state is a loop's recycled block (Lease), and the steps before and after the
// view are plain functions (open_now, end_now) whose rare waits are coroutines of their
// own (open_rest, end_rest), made only when needed. (g++ gives each co_await and each
// local of a frame a slot of its own, never shared.) A parked connection has no frame.
ThreadTask run_connection(std::unique_ptr<ConnectionHome> home) {
    // Side by side (g++ lays a frame's locals out in declaration order, without reuse).
    Awaited next;
    Opened opened;
    ViewCall call;
    Ended ended;
    try {
        for (;;) {
            if (home->buffer.size() == 0) {
                next = co_await await_request(home->c, home->buffer, home->out);
                if (next == Awaited::park) {
                    park(home->c);
                    co_return;
                }
                if (next == Awaited::close) break;
            }
            // Declared first, so destroyed last: the exchange's body stream refers to the
            // parser.
            Lease<ParserState> parsing(home->c.loop.spare_parsers);
            Lease<RequestState> state(home->c.loop.spare_states);
            opened = open_now(*home, *parsing, *state);
            if (opened == Opened::later) opened = co_await open_rest(*home, *parsing, *state);
            if (opened == Opened::closed) break;
            if (opened == Opened::idle) continue;
            Exchange& x = *state->exchange;
            if (!x.body_stream) parsing.release();  // the parser is not used past this point
            if (opened == Opened::dispatch) {
                try {
                    call = view_call(x);
                    if (call == ViewCall::sync) {
                        x.response = x.dispatch.route->direct.sync(*x.dispatch.ctx);
                    } else if (call == ViewCall::text) {
                        std::string text = co_await x.dispatch.route->direct.text(*x.dispatch.ctx);
                        x.response = make_response(std::move(text));
                    } else if (call == ViewCall::json) {
                        Json json = co_await x.dispatch.route->direct.json(*x.dispatch.ctx);
                        x.response = make_response(std::move(json));
                    } else if (call == ViewCall::run) {
                        co_await home->c.loop.dispatcher.run(x.dispatch, x.response);
                    }
                } catch (...) {
                    x.dispatch.error = std::current_exception();
                }
            }
            // A cancellation (the client left, shutdown, a WebSocket's end) stops the view,
            // not what follows: the error handlers and teardown hooks, the WebSocket's
            // close, the answer, which could not await in a cancelled coroutine. Clearing
            // never suspends.
            if (home->c.view_cancelled) {
                home->c.view_cancelled = false;
                co_await clear_cancellation();
            }
            ended = end_now(*home, parsing.get(), x, opened == Opened::dispatch);
            if (ended == Ended::later)
                ended = co_await end_rest(*home, parsing.get(), x) ? Ended::goes_on : Ended::closes;
            if (ended == Ended::closes) break;
        }
    } catch (...) {
        // An exception ends this connection only (the client sees it close).
    }
    close_quietly(home->c.socket);
}

}  // namespace

ThreadTask serve_connection(Loop& loop, LoopSocket socket, ActivityLease activity, bool resumed,
                            asio::cancellation_slot& cancel_slot) {
    // What may throw (memory) comes first, before anything is counted: as the coroutine's
    // own frame, it then fails in the caller.
    std::string remote = remote_of(socket);
    auto home = std::make_unique<ConnectionHome>(loop, std::move(socket), std::move(activity),
                                                 std::move(remote));
    Connection& c = home->c;
    cancel_slot = c.cancel.slot();
    c.fresh = !resumed;
    boost::system::error_code ec;
    c.socket.set_option(asio::ip::tcp::no_delay(true), ec);
    c.socket.non_blocking(true, ec);  // for write_now; Asio's own operations are unaffected
    return run_connection(std::move(home));
}

}  // namespace vial::detail
