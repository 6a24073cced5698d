#include "curl_loop.hpp"

#include <vial/cancel.hpp>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

#include "../core/activity.hpp"

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
        // On a server loop, the loop's own executor: curl's wake-ups belong to no request,
        // so they must not be labelled as the first request that used the client.
        ActivityBoard* board = ActivityBoard::of(context);
        loop.executor_ = board ? asio::any_io_executor(board->executor()) : executor;
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
    t->started = std::chrono::steady_clock::now();
    transfers_.emplace(t, std::move(transfer));
    if (t->slot.is_connected()) {
        t->slot.assign([this, t](asio::cancellation_type type) {
            if (type == asio::cancellation_type::none || !transfers_.contains(t)) return;
            finish(t, std::make_exception_ptr(
                          Cancelled("the request " + t->method + " " + t->url + " was cancelled")));
        });
    }
    CURLMcode added = curl_multi_add_handle(multi_, t->easy);
    if (added != CURLM_OK) {
        finish(t, std::make_exception_ptr(TransportError(
                      t->method, t->url,
                      std::string("libcurl refused the transfer: ") + curl_multi_strerror(added))));
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
    curl_multi_remove_handle(multi_, t->easy);
    if (t->slot.is_connected()) t->slot.clear();
    ClientResponse response;
    if (!error) response = take_response(*t);
    TransferHandler handler(std::move(*t->handler));
    t->handler.reset();
    asio::post(owned->resume_on,
               [handler = std::move(handler), error, response = std::move(response)]() mutable {
                   std::move(handler)(error, std::move(response));
               });
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

int CurlLoop::on_timer(CURLM*, long timeout_ms, void* self) {
    auto* loop = static_cast<CurlLoop*>(self);
    loop->timer_->cancel();
    if (timeout_ms < 0) return 0;
    // Even a 0 ms timeout goes through the loop: curl forbids calling it back from here.
    loop->timer_->expires_after(std::chrono::milliseconds(timeout_ms));
    loop->timer_->async_wait([loop](const boost::system::error_code& ec) {
        if (!ec) loop->act(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
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
    for (auto& [t, owned] : transfers_) {
        curl_multi_remove_handle(multi_, t->easy);
        if (t->slot.is_connected()) t->slot.clear();
    }
    transfers_.clear();
    while (!watches_.empty()) forget(watches_.begin()->first);
    // Destroyed now, while the timer service still exists (it may have been created
    // after this service, and so be destroyed before it).
    timer_.reset();
}

}  // namespace vial::detail
