#include "pg_listener.hpp"

#include <vial/cancel.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include "../runtime/deferred_op.hpp"

namespace vial::detail {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxPending = 10000;

// "name" with inner quotes doubled: a channel is an identifier, never spliced raw.
std::string quoted_identifier(const std::string& name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '\0') throw DatabaseError("postgresql: a channel name cannot hold a NUL byte");
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace

Task<std::shared_ptr<PgListener>> PgListener::open(asio::any_io_executor loop,
                                                   std::shared_ptr<const PgSettings> settings,
                                                   std::string channel) {
    if (channel.empty()) throw DatabaseError("postgresql: LISTEN needs a channel name");
    std::string listen = "LISTEN " + quoted_identifier(channel);
    auto listener = std::make_shared<PgListener>();
    listener->channel_ = channel;
    std::weak_ptr<PgListener> weak = listener;
    listener->connection_ = std::make_shared<PgConnection>(
        loop, std::move(settings), [weak](PgConnection&, std::exception_ptr failure) {
            if (auto self = weak.lock(); self && failure) self->fail(failure);
        });
    listener->connection_->on_notify = [weak](const PGnotify& notification) {
        if (auto self = weak.lock()) self->push(notification);
    };
    listener->connection_->open();
    // LISTEN's own result (or its failure) arrives through a statement like any other.
    auto query = std::make_shared<PgQuery>();
    query->statement = sql_only(std::move(listen));
    query->executor = co_await asio::this_coro::executor;
    auto initiation = [&listener, &query](auto handler) {
        query->handler.emplace(std::move(handler));
        listener->connection_->submit(query);
    };
    auto operation = deferred_operation<void(std::exception_ptr, QueryResult)>(initiation);
    value_or_rethrow(co_await std::move(operation));
    co_return listener;
}

PgListener::~PgListener() {
    if (connection_) {
        connection_->on_notify = nullptr;
        connection_->close(std::make_exception_ptr(Cancelled("the listener was destroyed")));
    }
}

void PgListener::push(const PGnotify& notification) {
    if (failure_) return;
    Notification received{.channel = notification.relname ? notification.relname : "",
                          .payload = notification.extra ? notification.extra : "",
                          .sender_pid = notification.be_pid};
    if (waiter_) {
        wake(nullptr, std::move(received));
        return;
    }
    if (pending_.size() >= kMaxPending) {
        fail(std::make_exception_ptr(DatabaseError("postgresql: the listener on '" + channel_ +
                                                   "' fell " + std::to_string(kMaxPending) +
                                                   " notifications behind; later ones were lost")));
        return;
    }
    pending_.push_back(std::move(received));
}

void PgListener::fail(std::exception_ptr why) {
    if (failure_) return;
    failure_ = why;
    if (waiter_) wake(why, {});
}

void PgListener::wake(std::exception_ptr error, Notification notification) {
    Waiter waiter(std::move(*waiter_));
    waiter_.reset();
    // The slot is cleared in the posted function: wake() may run inside its handler.
    asio::post(waiter_executor_, [waiter = std::move(waiter), error, slot = waiter_slot_,
                                  notification = std::move(notification)]() mutable {
        if (slot.is_connected()) slot.clear();
        std::move(waiter)(error, std::move(notification));
    });
}

Task<Notification> PgListener::next() {
    if (!pending_.empty()) {
        Notification first = std::move(pending_.front());
        pending_.pop_front();
        co_return first;
    }
    if (failure_) std::rethrow_exception(failure_);
    if (waiter_) throw DatabaseError("postgresql: one next() at a time on a listener");
    waiter_executor_ = co_await asio::this_coro::executor;
    auto initiation = [this](auto handler) {
        waiter_slot_ = asio::get_associated_cancellation_slot(handler);
        waiter_.emplace(std::move(handler));
        if (waiter_slot_.is_connected()) {
            waiter_slot_.assign([weak = weak_from_this()](asio::cancellation_type type) {
                auto self = weak.lock();
                if (!self || !self->waiter_ || type == asio::cancellation_type::none) return;
                self->wake(std::make_exception_ptr(Cancelled("stopped waiting for a notification")),
                           {});
            });
        }
    };
    auto operation = deferred_operation<void(std::exception_ptr, Notification)>(initiation);
    Notification received = value_or_rethrow(co_await std::move(operation));
    co_return received;
}

}  // namespace vial::detail
