#pragma once
// The in-process transport: a request to a client pointed at a vial::App runs through
// that app's dispatcher on the awaiting coroutine's loop, without sockets (httpx's ASGI
// transport). Redirects, cookies, timeouts and request bodies behave as over the network.
#include <vial/http_client.hpp>

#include <memory>
#include <string>

namespace vial::detail {

struct ClientState;

Task<ClientResponse> send_to_app(std::shared_ptr<const ClientState> client, std::string method,
                                 std::string url, RequestOptions options);

}  // namespace vial::detail
