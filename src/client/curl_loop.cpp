#include "curl_loop.hpp"

#include <vial/cancel.hpp>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

#include <algorithm>

#include "../runtime/activity.hpp"
#include "client_state.hpp"
#include "upload.hpp"

namespace vial::detail {

namespace asio = boost::asio;

asio::execution_context::id CurlLoop::id;

struct CurlLoop::Watch {
    explicit Watch(const asio::any_io_executor& executor) : descriptor(executor) {}
    asio::posix::stream_descriptor descriptor;
    int wanted = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false;
    bool writing = false;
    bool alive = true;
};

CurlLoop::CurlLoop(asio::execution_context& context) : service(context) {
    curl_global_init(CURL_GLOBAL_DEFAULT);  // idempotent after the first call
    multi_ = curl_multi_init();
    if (!multi_) throw Error("libcurl could not create a multi handle");
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlLoop::on_socket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlLoop::on_timer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlLoop::~CurlLoop() {
    shutdown();
    curl_multi_cleanup(multi_);
}

CurlLoop& CurlLoop::of(const asio::any_io_executor& executor) {
    auto& context = asio::query(executor, asio::execution::context);
    CurlLoop& loop = asio::use_service<CurlLoop>(context);
    if (!loop.executor_) {
        // curl's wake-ups belong to no request.
        loop.executor_ = ActivityBoard::loop_executor(context, executor);
        loop.timer_.emplace(loop.executor_);
    }
    return loop;
}

void CurlLoop::start(std::unique_ptr<Transfer> transfer, TransferHandler handler,
                     asio::any_io_executor resume_on) {
    Transfer* t = transfer.get();
    t->resume_on = std::move(resume_on);
    t->slot = asio::get_associated_cancellation_slot(handler);
    t->handler.emplace(std::move(handler));
    t->started = t->queued_at = Transfer::Clock::now();
    t->serial = ++next_serial_;
    if (t->stream) {
        t->stream->loop = this;
        t->stream->transfer = t;
    }
    transfers_.emplace(t, std::move(transfer));
    if (t->slot.is_connected()) {
        t->slot.assign([this, t](asio::cancellation_type type) {
            if (type == asio::cancellation_type::none || !transfers_.contains(t)) return;
            finish(t, std::make_exception_ptr(
                          Cancelled("the request " + t->method + " " + t->url + " was cancelled")));
        });
    }
    auto [entry, created] = gates_.try_emplace(t->client.get());
    if (created) t->client->enlist(this, executor_);
    Gate& gate = entry->second;
    if (gate.waiting.empty() && admits(gate, *t)) {
        launch(gate, t);
    } else {
        gate.waiting.push_back(t);
        arm_watchdog(t);  // pool_timeout
    }
}

bool CurlLoop::admits(const Gate& gate, const Transfer& t) const {
    const PoolLimits& limits = t.client->options.limits;
    if (limits.max_connections && gate.active >= limits.max_connections) return false;
    if (!limits.max_connections_per_host) return true;
    auto host = gate.per_host.find(t.origin);
    return host == gate.per_host.end() || host->second < limits.max_connections_per_host;
}

// Takes a connection slot and hands `t` to curl.
void CurlLoop::launch(Gate& gate, Transfer* t) {
    ++gate.active;
    if (t->client->options.limits.max_connections_per_host) ++gate.per_host[t->origin];
    t->added = true;
    CURLMcode added = curl_multi_add_handle(multi_, t->easy);
    if (added != CURLM_OK) {
        finish(t, std::make_exception_ptr(TransportError(
                      t->method, t->url,
                      std::string("libcurl refused the transfer: ") + curl_multi_strerror(added))));
        return;
    }
    if (t->watch_progress) arm_watchdog(t);
}

// Gives back `t`'s slot (or its place in the queue) and starts the waiting transfers that
// now fit, oldest first (one waiting for a host at its limit lets others by).
void CurlLoop::release(Transfer* t) {
    auto found = gates_.find(t->client.get());
    if (found == gates_.end()) return;
    Gate& gate = found->second;
    if (t->watchdog) t->watchdog->cancel();
    if (t->added) {
        curl_multi_remove_handle(multi_, t->easy);
        t->added = false;
        --gate.active;
        if (t->client->options.limits.max_connections_per_host && --gate.per_host[t->origin] == 0)
            gate.per_host.erase(t->origin);
    } else {
        std::erase(gate.waiting, t);
    }
    admit_waiting(t->client.get());
}

// Looks the gate up afresh each time: a launch that fails finishes its transfer, which
// re-enters here and may drop the gate.
void CurlLoop::admit_waiting(const ClientState* client) {
    for (;;) {
        auto found = gates_.find(client);
        if (found == gates_.end()) return;
        Gate& gate = found->second;
        auto next = std::find_if(gate.waiting.begin(), gate.waiting.end(),
                                 [&](Transfer* waiting) { return admits(gate, *waiting); });
        if (next == gate.waiting.end()) {
            if (gate.active == 0 && gate.waiting.empty()) {
                gates_.erase(found);
                client->delist(this);
            }
            return;
        }
        Transfer* admitted = *next;
        gate.waiting.erase(next);
        launch(gate, admitted);
    }
}

// Completes `t` (with its response, or `error`) and forgets it. The handler runs later,
// from the loop's queue: never inside curl's callbacks, and never inline in a
// cancellation.
void CurlLoop::finish(Transfer* t, std::exception_ptr error) {
    auto found = transfers_.find(t);
    if (found == transfers_.end()) return;
    std::unique_ptr<Transfer> owned = std::move(found->second);
    transfers_.erase(found);
    if (t->slot.is_connected()) t->slot.clear();
    release(t);
    if (t->stream) {
        // A body-less answer may end without a write: its head goes out now.
        if (!error && !t->stream->head_sent) send_head(*t);
        if (t->stream->head_sent) {
            end_stream(*t->stream, error);
            return;
        }
        t->stream->transfer = nullptr;
    }
    ClientResponse response;
    if (!error) response = take_response(*t);
    TransferHandler handler(std::move(*t->handler));
    t->handler.reset();
    asio::post(owned->resume_on,
               [handler = std::move(handler), error, response = std::move(response)]() mutable {
                   std::move(handler)(error, std::move(response));
               });
}

void CurlLoop::end_stream(StreamState& s, std::exception_ptr error) {
    s.transfer = nullptr;
    s.done = true;
    s.error = error;
    if (!s.reader) return;
    if (s.reader_slot.is_connected()) s.reader_slot.clear();
    ChunkHandler reader(std::move(*s.reader));
    s.reader.reset();
    asio::post(s.reader_executor, [reader = std::move(reader), error]() mutable {
        std::move(reader)(error, std::string());
    });
}

void CurlLoop::read_stream(const std::shared_ptr<StreamState>& s, ChunkHandler handler,
                           asio::any_io_executor resume_on) {
    auto complete = [&](std::exception_ptr error, std::string chunk) {
        asio::post(resume_on,
                   [handler = std::move(handler), error, chunk = std::move(chunk)]() mutable {
                       std::move(handler)(error, std::move(chunk));
                   });
    };
    if (s->reader) {
        complete(std::make_exception_ptr(Error("a ClientStream has one reader at a time: await "
                                               "each read() before the next")),
                 {});
        return;
    }
    if (!s->pending.empty()) {
        std::string chunk = std::move(s->pending);
        s->pending = std::string();
        resume_stream(*s);
        complete(nullptr, std::move(chunk));
        return;
    }
    if (s->done) {
        complete(s->error, {});
        return;
    }
    s->reader_slot = asio::get_associated_cancellation_slot(handler);
    s->reader.emplace(std::move(handler));
    s->reader_executor = std::move(resume_on);
    if (s->reader_slot.is_connected()) {
        s->reader_slot.assign([this, stream = s.get()](asio::cancellation_type type) {
            if (type == asio::cancellation_type::none || !stream->transfer) return;
            Transfer* t = stream->transfer;
            finish(t, std::make_exception_ptr(Cancelled("reading the body of " + t->method + " " +
                                                        t->url + " was cancelled")));
        });
    }
}

// The reader took what was buffered: curl may read the socket again.
void CurlLoop::resume_stream(StreamState& s) {
    if (!s.paused || !s.transfer) return;
    s.paused = false;
    s.transfer->last_read = Transfer::Clock::now();  // the pause was the reader's, not the server's
    update_pause(*s.transfer);                       // may hand over the kept piece now
}

void CurlLoop::cancel_client(const ClientState& client) {
    std::vector<Transfer*> theirs;
    for (const auto& [t, owned] : transfers_) {
        if (t->client.get() == &client) theirs.push_back(t);
    }
    for (Transfer* t : theirs) {
        finish(t, std::make_exception_ptr(Cancelled("the HttpClient that started " + t->method +
                                                    " " + t->url + " was destroyed")));
    }
}

void CurlLoop::abandon(StreamState& s) {
    if (!s.transfer) return;
    Transfer* t = s.transfer;
    finish(t, std::make_exception_ptr(
                  Cancelled("the stream of " + t->method + " " + t->url + " was closed")));
}

namespace {

enum class Expiry { recheck, pool, head, write, read };
struct Deadline {
    Transfer::Clock::time_point at;
    Expiry expiry;
};

// When `t` next needs looking at: the end of its wait for a slot, of its write or read
// timeout, or (not yet connected, or still sending without a write timeout) a recheck.
std::optional<Deadline> next_deadline(const Transfer& t, Transfer::Clock::time_point now) {
    const ClientOptions& o = t.client->options;
    if (!t.added) return Deadline{t.queued_at + o.pool_timeout, Expiry::pool};
    if (t.stream && !t.stream->head_sent) return Deadline{t.started + t.timeout, Expiry::head};
    auto read = o.read_timeout, write = o.write_timeout;
    if (t.stream && read.count() == 0) read = t.timeout;  // a stream's body never stalls forever
    if (read.count() == 0 && write.count() == 0) return std::nullopt;
    auto shortest = read.count() == 0 ? write : write.count() == 0 ? read : std::min(read, write);
    if (!t.connected) return Deadline{now + shortest, Expiry::recheck};
    if (!t.upload_done) {
        if (write.count() > 0 && !t.upload_paused)
            return Deadline{t.last_write + write, Expiry::write};
        return Deadline{now + shortest, Expiry::recheck};
    }
    if (t.stream && t.stream->paused) return Deadline{now + read, Expiry::recheck};
    if (read.count() > 0) return Deadline{t.last_read + read, Expiry::read};
    return std::nullopt;
}

}  // namespace

void CurlLoop::arm_watchdog(Transfer* t) {
    auto deadline = next_deadline(*t, Transfer::Clock::now());
    if (!deadline) return;
    if (!t->watchdog) t->watchdog.emplace(executor_);
    t->watchdog->expires_at(deadline->at);
    t->watchdog->async_wait([this, t, serial = t->serial](const boost::system::error_code& ec) {
        if (ec) return;  // cancelled: `t` may be gone
        auto found = transfers_.find(t);
        if (found != transfers_.end() && found->second->serial == serial) check_deadlines(t);
    });
}

void CurlLoop::check_deadlines(Transfer* t) {
    auto now = Transfer::Clock::now();
    auto deadline = next_deadline(*t, now);
    if (!deadline) return;
    if (deadline->expiry == Expiry::recheck || deadline->at > now) {
        arm_watchdog(t);
        return;
    }
    const ClientOptions& o = t->client->options;
    auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; };
    switch (deadline->expiry) {
        case Expiry::pool:
            finish(t, std::make_exception_ptr(PoolTimeout(
                          t->method, t->url,
                          "no connection slot free within pool_timeout " + ms(o.pool_timeout))));
            break;
        case Expiry::write:
            finish(t, std::make_exception_ptr(
                          WriteTimeout(t->method, t->url,
                                       "the server took no request byte for write_timeout " +
                                           ms(o.write_timeout))));
            break;
        case Expiry::head:
            finish(t, std::make_exception_ptr(ReadTimeout(
                          t->method, t->url, "no answer within timeout " + ms(t->timeout))));
            break;
        default:
            finish(t, std::make_exception_ptr(ReadTimeout(
                          t->method, t->url,
                          "no byte of the answer for read_timeout " +
                              ms(o.read_timeout.count() ? o.read_timeout : t->timeout))));
    }
}

int CurlLoop::on_socket(CURL*, curl_socket_t socket, int what, void* self, void*) {
    auto* loop = static_cast<CurlLoop*>(self);
    if (what == CURL_POLL_REMOVE) {
        loop->forget(socket);
        return 0;
    }
    auto& watch = loop->watches_[socket];
    if (!watch) {
        watch = std::make_shared<Watch>(loop->executor_);
        boost::system::error_code ec;
        watch->descriptor.assign(socket, ec);
        if (ec) {
            loop->watches_.erase(socket);
            return -1;  // curl fails the transfers on this socket
        }
    }
    watch->wanted = what;
    loop->arm(socket, watch);
    return 0;
}

void CurlLoop::arm(curl_socket_t socket, const std::shared_ptr<Watch>& watch) {
    auto on_ready = [this, socket, watch](int events) {
        return [this, socket, watch, events](const boost::system::error_code& ec) {
            (events == CURL_CSELECT_IN ? watch->reading : watch->writing) = false;
            if (ec || !watch->alive) return;
            act(socket, events);
            if (watch->alive) arm(socket, watch);
        };
    };
    if ((watch->wanted & CURL_POLL_IN) && !watch->reading) {
        watch->reading = true;
        watch->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                                     on_ready(CURL_CSELECT_IN));
    }
    if ((watch->wanted & CURL_POLL_OUT) && !watch->writing) {
        watch->writing = true;
        watch->descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                                     on_ready(CURL_CSELECT_OUT));
    }
}

// curl no longer uses the socket: stop watching it, and release it rather than close it
// (curl owns its sockets and closes them itself).
void CurlLoop::forget(curl_socket_t socket) {
    auto found = watches_.find(socket);
    if (found == watches_.end()) return;
    std::shared_ptr<Watch> watch = std::move(found->second);
    watches_.erase(found);
    watch->alive = false;
    boost::system::error_code ignored;
    watch->descriptor.cancel(ignored);
    watch->descriptor.release();
}

// curl moves its wake-up time on almost every call into it; re-arming the Asio timer each
// time costs a timerfd_settime syscall (a third of the client's CPU when measured). So
// the timer is only moved earlier, never later: when it fires before curl's time, it is
// re-armed then; a zero timeout is a post, not a timer.
int CurlLoop::on_timer(CURLM*, long timeout_ms, void* self) {
    auto* loop = static_cast<CurlLoop*>(self);
    if (timeout_ms < 0) {
        // Nothing left to time: a pending wait would keep run_sync's loop alive.
        loop->wake_at_.reset();
        if (loop->timer_armed_) {
            loop->timer_armed_ = false;
            loop->timer_->cancel();
        }
        return 0;
    }
    auto now = std::chrono::steady_clock::now();
    loop->wake_at_ = now + std::chrono::milliseconds(timeout_ms);
    // Even a 0 ms timeout goes through the loop: curl forbids calling it back from here.
    if (timeout_ms == 0) {
        if (!loop->wake_posted_) {
            loop->wake_posted_ = true;
            asio::post(loop->executor_, [loop] {
                loop->wake_posted_ = false;
                loop->wake_if_due();
            });
        }
        return 0;
    }
    if (!loop->timer_armed_ || loop->timer_->expiry() > *loop->wake_at_) loop->arm_timer();
    return 0;
}

void CurlLoop::arm_timer() {
    timer_armed_ = true;
    timer_->expires_at(*wake_at_);  // cancels the earlier wait, whose handler then does nothing
    timer_->async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        timer_armed_ = false;
        wake_if_due();
    });
}

void CurlLoop::wake_if_due() {
    if (!wake_at_) return;
    if (*wake_at_ > std::chrono::steady_clock::now()) {
        if (!timer_armed_ || timer_->expiry() > *wake_at_) arm_timer();
        return;
    }
    wake_at_.reset();
    act(CURL_SOCKET_TIMEOUT, 0);
    // curl reports whole milliseconds: woken a fraction too early, it finds nothing due
    // and, its deadline unchanged, does not call on_timer again. Ask it what is next.
    if (!wake_at_) {
        long next_ms = -1;
        curl_multi_timeout(multi_, &next_ms);
        if (next_ms >= 0) on_timer(multi_, next_ms, this);
    }
}

void CurlLoop::act(curl_socket_t socket, int events) {
    int running = 0;
    curl_multi_socket_action(multi_, socket, events, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
        if (message->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &t);
        CURLcode code = message->data.result;
        finish(t, code == CURLE_OK ? nullptr : transfer_error(*t, code));
    }
}

// The loop is going: its transfers end with it (their handlers, and the awaiting tasks
// they own, are destroyed without being resumed, as Asio does with pending operations).
void CurlLoop::shutdown() {
    // A waiting reader's handler owns the coroutine that owns the stream: destroyed after
    // the loop over transfers, which its destruction would otherwise re-enter.
    std::vector<ChunkHandler> readers;
    for (auto& [t, owned] : transfers_) {
        if (t->added) curl_multi_remove_handle(multi_, t->easy);
        if (t->slot.is_connected()) t->slot.clear();
        t->watchdog.reset();
        if (StreamState* stream = t->stream.get()) {
            stream->transfer = nullptr;
            stream->done = true;
            stream->error = std::make_exception_ptr(Cancelled("the event loop stopped"));
            if (stream->reader_slot.is_connected()) stream->reader_slot.clear();
            if (stream->reader) readers.push_back(std::move(*stream->reader));
            stream->reader.reset();
        }
    }
    auto ending = std::move(transfers_);
    transfers_.clear();
    for (auto& [client, gate] : gates_) client->delist(this);
    gates_.clear();
    ending.clear();
    readers.clear();
    while (!watches_.empty()) forget(watches_.begin()->first);
    // Destroyed now, while the timer service still exists (it may have been created
    // after this service, and so be destroyed before it).
    timer_.reset();
}

}  // namespace vial::detail
