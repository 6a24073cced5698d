#include "loop.hpp"

#include <algorithm>

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

void Loop::sweep() {
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
