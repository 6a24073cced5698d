#pragma once
// The client's way to build a ClientStream (users only receive one).
#include <vial/client_stream.hpp>

namespace vial::detail {

struct ClientStreamAccess {
    static ClientStream make(ClientResponse head, std::shared_ptr<StreamState> state) {
        return ClientStream(std::move(head), std::move(state));
    }
};

}  // namespace vial::detail
