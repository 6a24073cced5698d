// Fuzzes the server's request path without a socket: bytes -> Beast parser with the
// server's checks (Host, Transfer-Encoding, limits) -> vial::Request -> the dispatcher
// of an app that reads every part of the request -> the response writer. Pipelined
// requests in one input are served in turn, as the connection does. A 5xx is a crash:
// the view only reads, so anything a client sends must end in 2xx-4xx.
#include <vial/run_sync.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/dispatcher.hpp"
#include "core/request_access.hpp"
#include "fuzz_app.hpp"
#include "http/request_parser.hpp"
#include "http/request_target.hpp"
#include "http/response_writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace vial;
    const detail::Dispatcher& dispatcher = fuzz::fuzz_app().dispatcher();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string out;
    for (int served = 0; served < 8 && !input.empty(); ++served) {
        detail::RequestParser parser({.max_request_line = 8 * 1024,
                                      .max_header_bytes = 16 * 1024,
                                      .max_body_bytes = 64 * 1024});
        boost::beast::error_code ec;
        // As the connection does: feed what is buffered until a request is complete.
        while (!ec && !parser.is_done() && !input.empty()) {
            std::size_t used = parser.feed(input, ec);
            input.remove_prefix(used);
            if (ec == boost::beast::http::error::need_more) {
                ec = {};
                if (used == 0) break;
            }
        }
        if (ec || !parser.is_done()) return 0;  // the connection answers 4xx or reads more
        Response response;
        try {
            Request request(std::move(parser.method), detail::origin_form(std::move(parser.target)),
                            std::move(parser.headers), std::move(parser.body));
            detail::RequestAccess::set_http_version(request, parser.version);
            response = run_sync(dispatcher.full_dispatch(request, false));
        } catch (const HttpError&) {
            return 0;  // a malformed target: the connection answers 400
        }
        // The app's view only reads the request: whatever a client sends, a failure is
        // the client's 4xx, never a 500.
        if (response.status() >= 500) {
            std::fprintf(stderr, "status %d for a request the app only reads\n", response.status());
            std::abort();
        }
        detail::ResponseFraming framing{.keep_alive = parser.keep_alive(),
                                        .http_version = parser.version,
                                        .date = "Sun, 22 Nov 2026 00:00:00 GMT"};
        if (!detail::write_response(response, framing, out).keep_alive) break;
    }
    return 0;
}
