#include "loop.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "../core/http_date.hpp"
#include "connection.hpp"

namespace vial::detail {

void Loop::refresh_clock() {
    now = std::chrono::steady_clock::now();
    std::time_t second = std::time(nullptr);
    if (second != date_second) {
        date_second = second;
        format_http_date(second, date);
    }
}

namespace {

// A view has been running for a while: is its client still there? A peek costs one
// syscall, and only for requests older than a sweeper tick. EOF or an error means the
// client left (as nginx, a half-close counts as leaving); pipelined bytes mean it is alive.
bool client_left(Connection& c) {
    char byte;
    ssize_t n = ::recv(c.socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

}  // namespace

void Loop::sweep() {
    const auto min_age = tick();
    for (Connection* c = connections; c; c = c->next) {
        if (c->phase == Connection::Phase::Dispatch && !c->abandoned &&
            now - c->dispatch_started >= min_age && client_left(*c)) {
            abandon(*c);
        }
    }
    for (Connection* c = connections; c; c = c->next) {
        bool expired = now >= c->deadline;
        bool idle_while_stopping = stopping && c->phase == Connection::Phase::Idle;
        if (expired || idle_while_stopping) {
            c->timed_out = expired;
            boost::system::error_code ignored;
            c->socket.cancel(ignored);
        }
    }
}

std::chrono::milliseconds Loop::tick() const {
    const auto& l = options.limits;
    auto shortest =
        std::min({l.header_timeout, l.body_timeout, l.keep_alive_timeout, l.write_timeout});
    return std::clamp(shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
}

}  // namespace vial::detail
