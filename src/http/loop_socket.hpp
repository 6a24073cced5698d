#pragma once
// LoopSocket: the socket type of the server's connections.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace vial::detail {

/// A connection's socket, on its loop's own executor: its operations' state keeps 8 bytes
/// of executor rather than a type-erased one (and the socket itself 48 bytes fewer), and
/// their completions take no type-erased executor's path.
using LoopSocket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

}  // namespace vial::detail
