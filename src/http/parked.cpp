#include "parked.hpp"

#include <boost/asio/cancellation_signal.hpp>

#include <memory>

#include "../runtime/launch.hpp"
#include "admission.hpp"
#include "connection.hpp"
#include "intrusive_list.hpp"
#include "loop.hpp"

namespace vial::detail {

namespace asio = boost::asio;

ParkedConnection::ParkedConnection(Loop& owner, LoopSocket s, std::uint64_t idle, TimePoint until)
    : loop(owner), socket(std::move(s)), idle_since(idle), deadline(until) {
    link_front(loop.parked, *this);
    loop.active.fetch_add(1, std::memory_order_relaxed);
}

ParkedConnection::~ParkedConnection() {
    unlink(loop.parked, *this);
    loop.active.fetch_sub(1, std::memory_order_relaxed);
    if (!resumed) loop.admission.release_connection();
}

namespace {

// The wait's handler owns the parked connection: when the wait ends (bytes, or a close)
// it resumes or goes; if the loop is torn down with the wait pending, it goes with it.
void wait_for_request(std::unique_ptr<ParkedConnection> parked) {
    ParkedConnection& p = *parked;
    p.socket.async_wait(asio::socket_base::wait_read, [parked = std::move(parked)](
                                                          boost::system::error_code ec) mutable {
        Loop& loop = parked->loop;
        if (ec || loop.stopping) return;  // closes as `parked` goes
        ActivityLease activity(*loop.board, {});
        LabelledExecutor executor(loop.context.get_executor(), activity.cell());
        asio::cancellation_slot slot;
        auto serve =
            serve_connection(loop, std::move(parked->socket), std::move(activity), true, slot);
        parked->resumed = true;  // from here the new coroutine holds the connection's count
        launch_thread(executor, std::move(serve), slot);
    });
}

}  // namespace

void park(Connection& c) {
    auto deadline = c.idle_at + c.loop.options.limits.keep_alive_timeout;
    auto parked =
        std::make_unique<ParkedConnection>(c.loop, std::move(c.socket), c.idle_since, deadline);
    c.handed_off = true;  // the parked connection holds its count now
    wait_for_request(std::move(parked));
}

void close_parked(ParkedConnection& p) {
    boost::system::error_code ignored;
    p.socket.cancel(ignored);
}

}  // namespace vial::detail
