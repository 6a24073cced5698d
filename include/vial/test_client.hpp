#pragma once
/// vial::TestClient: drive an App in-process, synchronously, without sockets.
///
/// `vial::TestClient client{app}; auto r = client.get("/prices");` builds a Request and
/// runs the same dispatcher the server runs, to completion, on a private event loop on
/// the calling thread. Exceptions escaping a view are rethrown into the test (Flask's
/// PROPAGATE_EXCEPTIONS in testing) unless `propagate_exceptions` is false, in which case
/// the client returns the 500 a real client would get.
#include <vial/app.hpp>
#include <vial/headers.hpp>
#include <vial/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace vial {

/// The response as a test sees it.
class TestResponse {
  public:
    explicit TestResponse(Response response) : response_(std::move(response)) {}

    int status() const noexcept { return response_.status(); }
    const Headers& headers() const noexcept { return response_.headers(); }
    const std::string& text() const noexcept { return response_.body(); }
    /// The body parsed as JSON; throws vial::Error if it is not JSON.
    Json json() const;
    const Response& response() const noexcept { return response_; }

  private:
    Response response_;
};

/// Extras of one test request.
struct TestRequest {
    Headers headers{};
    /// Raw body; ignored when `json` is set.
    std::string body{};
    /// A JSON body; sets Content-Type: application/json.
    std::optional<Json> json{};
    /// The peer address the view sees.
    std::string remote_addr = "127.0.0.1";
};

struct TestClientOptions {
    bool propagate_exceptions = true;
};

class TestClient {
  public:
    explicit TestClient(App& app, TestClientOptions options = {});

    TestResponse open(std::string method, std::string target, TestRequest request = {});
    TestResponse get(std::string target, TestRequest request = {}) {
        return open("GET", std::move(target), std::move(request));
    }
    TestResponse head(std::string target, TestRequest request = {}) {
        return open("HEAD", std::move(target), std::move(request));
    }
    TestResponse options(std::string target, TestRequest request = {}) {
        return open("OPTIONS", std::move(target), std::move(request));
    }
    TestResponse post(std::string target, TestRequest request = {}) {
        return open("POST", std::move(target), std::move(request));
    }
    TestResponse put(std::string target, TestRequest request = {}) {
        return open("PUT", std::move(target), std::move(request));
    }
    TestResponse patch(std::string target, TestRequest request = {}) {
        return open("PATCH", std::move(target), std::move(request));
    }
    TestResponse delete_(std::string target, TestRequest request = {}) {
        return open("DELETE", std::move(target), std::move(request));
    }

    /// Runs the client's loop until the background tasks spawned by its requests have
    /// finished, or `limit` passed; returns true if they all finished. Background tasks
    /// only make progress while the client runs its loop (during requests and here).
    bool wait_background(std::chrono::milliseconds limit = std::chrono::seconds(10));

    ~TestClient();
    TestClient(const TestClient&) = delete;
    TestClient& operator=(const TestClient&) = delete;

  private:
    struct Loop;
    App& app_;
    TestClientOptions options_;
    std::unique_ptr<Loop> loop_;
};

}  // namespace vial
