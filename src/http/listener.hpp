#pragma once
// A loop's listening socket and the coroutine that accepts on it: bound with
// SO_REUSEPORT (each loop its own socket on the same port), or a descriptor of a socket
// inherited from a supervisor (ServerOptions::listen_fd, `app dev`).
#include <vial/server.hpp>
#include <vial/task.hpp>

#include <boost/asio/ip/tcp.hpp>

#include "loop.hpp"

namespace vial::detail {

/// Opens `loop.acceptor`: binds and listens on `endpoint`, or adopts options.listen_fd.
/// Throws vial::Error naming the address (or descriptor) and the reason.
void open_listener(Loop& loop, const boost::asio::ip::tcp::endpoint& endpoint,
                   const ServerOptions& options);

/// Accepts until the acceptor closes: admits each connection (or refuses it past
/// MAX_CONNECTIONS) and spawns its serve_connection; backs off on accept errors.
Task<void> accept_loop(Loop& loop);

}  // namespace vial::detail
