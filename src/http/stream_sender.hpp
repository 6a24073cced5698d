#pragma once
// Sends a streamed response's body on a connection, after its head.
#include <vial/stream.hpp>

#include <string>

#include "../core/task_fwd.hpp"

namespace vial::detail {

struct Connection;

struct StreamSent {
    /// False when the connection must close.
    bool ok = false;
    /// Bytes written, framing included (for the access log).
    std::size_t bytes = 0;
};

/// Runs `body`'s producer, writing each chunk as it comes (chunk-framed when `chunked`).
/// `out` holds nothing unsent on entry and on return. Between writes the connection is in
/// its Dispatch phase, so a client that leaves cancels the producer (the sweeper abandons
/// it). Not ok when the connection must close: the client left, the producer failed
/// (logged with `where`) or it wrote less than its declared length.
Task<StreamSent> send_stream(Connection& c, const StreamBody& body, bool chunked, std::string& out,
                             const std::string& where);

}  // namespace vial::detail
