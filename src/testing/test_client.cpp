#include <vial/error.hpp>
#include <vial/run_sync.hpp>
#include <vial/test_client.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "../core/dispatcher.hpp"
#include "../core/error_page.hpp"
#include "../core/request_access.hpp"

namespace vial {

Json TestResponse::json() const {
    boost::system::error_code ec;
    Json value = boost::json::parse(response_.body(), ec);
    if (ec)
        throw Error("test response body is not JSON (" + ec.message() + "): " + response_.body());
    return value;
}

TestClient::TestClient(App& app, TestClientOptions options) : app_(app), options_(options) {
    app_.freeze();
}

TestResponse TestClient::open(std::string method, std::string target, TestRequest extra) {
    if (extra.json) {
        extra.body = boost::json::serialize(*extra.json);
        if (!extra.headers.contains("Content-Type"))
            extra.headers.add("Content-Type", "application/json");
    }
    std::optional<Request> request;
    try {
        request.emplace(std::move(method), std::move(target), std::move(extra.headers),
                        std::move(extra.body));
    } catch (const HttpError& e) {
        return TestResponse(
            detail::render_http_error(e, nullptr));  // as the server answers a bad target
    }
    detail::RequestAccess::set_remote_addr(*request, std::move(extra.remote_addr));
    const detail::Dispatcher& dispatcher = app_.dispatcher();
    return TestResponse(
        run_sync(dispatcher.full_dispatch(*request, options_.propagate_exceptions)));
}

}  // namespace vial
