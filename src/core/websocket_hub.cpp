#include <vial/websocket_hub.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

#include "json_text.hpp"
#include "websocket_transport.hpp"

namespace vial {

using detail::HubLink;

struct WebSocketHub::State {
    WebSocketHubOptions options;
    mutable std::mutex mutex;
    std::map<std::string, std::vector<std::weak_ptr<HubLink>>, std::less<>> rooms;
};

namespace {

// The member's writer: its hub messages, one after another, in the order they came.
Task<void> drain(std::shared_ptr<HubLink> link) {
    try {
        while (!link->queue.empty() && link->transport && !link->transport->closed()) {
            // Taken off the queue before the send: a drop may clear the queue meanwhile.
            HubLink::Outgoing next = std::move(link->queue.front());
            link->queue.pop_front();
            co_await link->transport->send(*next.data, next.binary);
        }
    } catch (const std::exception&) {
        // The member closed meanwhile: nothing more to deliver to it.
    }
    link->queue.clear();
    link->writer = false;
    --link->busy;
}

// A clean close frame when the socket is free to take one; a member stuck in a write
// (which is how it got slow) is cut instead, as the frame would wait behind that write.
Task<void> drop_slow(std::shared_ptr<HubLink> link) {
    constexpr const char* kWhy = "too slow: send queue full";
    try {
        if (link->transport && link->transport->writing()) {
            link->transport->abort(close_code::policy_violation, kWhy);
        } else if (link->transport) {
            co_await link->transport->close(close_code::policy_violation, kWhy);
        }
    } catch (const std::exception&) {
    }
    link->queue.clear();
    --link->busy;
}

// Runs on the member's loop: the transport pointer is only touched there. A member that
// has not accepted yet gets nothing (there is no socket to send on before the handshake).
void hand_over(const std::shared_ptr<HubLink>& link, std::shared_ptr<const std::string> data,
               bool binary, const WebSocketHubOptions& options) {
    detail::WebSocketTransport* transport = link->transport;
    if (!transport || transport->closed() || !transport->accepted() || link->dropping) return;
    if (link->queue.size() >= options.max_pending) {
        if (options.when_full == WebSocketHubOptions::WhenFull::Skip) return;
        link->dropping = true;
        ++link->busy;
        boost::asio::co_spawn(link->executor, drop_slow(link), boost::asio::detached);
        return;
    }
    link->queue.push_back({std::move(data), binary});
    if (link->writer) return;
    link->writer = true;
    ++link->busy;
    boost::asio::co_spawn(link->executor, drain(link), boost::asio::detached);
}

}  // namespace

WebSocketHub::WebSocketHub(WebSocketHubOptions options) : state_(std::make_shared<State>()) {
    state_->options = options;
}

WebSocketHub::~WebSocketHub() = default;

void WebSocketHub::join(WebSocket& ws, std::string_view room) {
    std::shared_ptr<HubLink> link = detail::WebSocketAccess::transport(ws).hub_link();
    std::lock_guard lock(state_->mutex);
    auto found = state_->rooms.find(room);
    if (found == state_->rooms.end())
        found =
            state_->rooms.emplace(std::string(room), std::vector<std::weak_ptr<HubLink>>{}).first;
    auto& members = found->second;
    std::erase_if(members, [](const std::weak_ptr<HubLink>& m) { return m.expired(); });
    for (const auto& member : members) {
        if (member.lock() == link) return;
    }
    members.push_back(link);
}

void WebSocketHub::leave(WebSocket& ws, std::string_view room) {
    std::shared_ptr<HubLink> link = detail::WebSocketAccess::transport(ws).hub_link();
    std::lock_guard lock(state_->mutex);
    auto found = state_->rooms.find(room);
    if (found == state_->rooms.end()) return;
    std::erase_if(found->second, [&](const std::weak_ptr<HubLink>& m) {
        auto member = m.lock();
        return !member || member == link;
    });
    if (found->second.empty()) state_->rooms.erase(found);
}

std::size_t WebSocketHub::send_to_room(std::string_view room, std::string data, bool binary) {
    std::vector<std::shared_ptr<HubLink>> members;
    {
        std::lock_guard lock(state_->mutex);
        auto found = state_->rooms.find(room);
        if (found == state_->rooms.end()) return 0;
        // Members whose socket ended are pruned here (a link lives as long as its socket).
        auto& list = found->second;
        std::erase_if(list, [](const std::weak_ptr<HubLink>& m) {
            auto member = m.lock();
            return !member || !member->open.load(std::memory_order_relaxed);
        });
        for (const auto& m : list) {
            if (auto member = m.lock()) members.push_back(std::move(member));
        }
        if (found->second.empty()) state_->rooms.erase(found);
    }
    auto shared = std::make_shared<const std::string>(std::move(data));
    auto state = state_;
    std::size_t handed = 0;
    for (auto& link : members) {
        // A member whose loop has not even taken the earlier copies (twice its queue's
        // worth) is stalled: skip it here rather than pile up posts.
        if (link->posted.fetch_add(1, std::memory_order_relaxed) >=
            2 * state_->options.max_pending) {
            link->posted.fetch_sub(1, std::memory_order_relaxed);
            continue;
        }
        ++handed;
        boost::asio::post(link->executor, [link, shared, binary, state] {
            link->posted.fetch_sub(1, std::memory_order_relaxed);
            hand_over(link, shared, binary, state->options);
        });
    }
    return handed;
}

std::size_t WebSocketHub::broadcast(std::string_view room, std::string_view text) {
    return send_to_room(room, std::string(text), false);
}

std::size_t WebSocketHub::broadcast_bytes(std::string_view room, std::string_view bytes) {
    return send_to_room(room, std::string(bytes), true);
}

std::size_t WebSocketHub::broadcast_json(std::string_view room, const Json& value) {
    return send_to_room(room, detail::json_text(value), false);
}

std::size_t WebSocketHub::size(std::string_view room) const {
    std::lock_guard lock(state_->mutex);
    auto found = state_->rooms.find(room);
    if (found == state_->rooms.end()) return 0;
    return static_cast<std::size_t>(std::count_if(
        found->second.begin(), found->second.end(), [](const std::weak_ptr<HubLink>& m) {
            auto member = m.lock();
            return member && member->open.load(std::memory_order_relaxed);
        }));
}

}  // namespace vial
