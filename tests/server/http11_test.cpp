// HTTP/1.1 over real sockets: keep-alive, pipelining, bodies, methods.
#include <cctype>

#include "server_fixture.hpp"

namespace vial::testing {
namespace {

class Http11 : public ServerTest {
  protected:
    void SetUp() override { start(); }
};

TEST_F(Http11, KeepAliveServesSeveralRequestsOnOneConnection) {
    RawClient client(port());
    for (int i = 0; i < 3; ++i) {
        client.send("GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
        auto r = client.read_response();
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "Hello, World!");
        EXPECT_EQ(r.header("Content-Type"), "text/plain");
        EXPECT_EQ(r.header("Server").substr(0, 5), "vial/");
        EXPECT_EQ(r.header("Date").size(), 29u);
        EXPECT_EQ(r.header("Connection"), "");
    }
}

// The server reuses a finished request's header storage for the next request's: each
// request still sees exactly its own fields, whether it has fewer, as many or more than the
// one before (more than the storage kept, which is then dropped).
class HeaderStorage : public ServerTest {
  protected:
    void SetUp() override {
        start({}, 1, [](App& app) {
            app.get("/fields", [](Request& request) {
                std::string listed;
                for (const auto& [name, value] : request.headers()) {
                    for (char c : name) listed += static_cast<char>(std::tolower(c));
                    listed.append("=").append(value).append(";");
                }
                return listed;
            });
        });
    }
};

TEST_F(HeaderStorage, EachRequestOnAConnectionSeesOnlyItsOwnHeaders) {
    RawClient client(port());
    for (int fields : {3, 1, 40, 2, 0, 12, 12}) {
        std::string request = "GET /fields HTTP/1.1\r\nHost: t\r\n";
        std::string expected = "host=t;";
        for (int i = 0; i < fields; ++i) {
            std::string n = std::to_string(i), v = std::to_string(fields);
            request.append("X-F").append(n).append(": v").append(v).append("\r\n");
            expected.append("x-f").append(n).append("=v").append(v).append(";");
        }
        client.send(request + "\r\n");
        auto r = client.read_response();
        ASSERT_EQ(r.status, 200) << fields << " fields";
        EXPECT_EQ(r.body, expected) << fields << " fields";
    }
}

// An idle connection reads a request's first bytes into a small area and takes a
// buffer only for the rest: requests far longer than that area, and bodies longer than
// one buffer, arrive whole, again and again on one connection.
TEST_F(Http11, LongRequestsOnOneConnectionArriveWhole) {
    RawClient client(port());
    std::string padding(3000, 'p');
    std::string body = "[" + std::string(40000, ' ') + "1]";
    for (int i = 0; i < 3; ++i) {
        client.send("GET /hello/long HTTP/1.1\r\nHost: t\r\nX-Pad-1: " + padding +
                    "\r\nX-Pad-2: " + padding + "\r\n\r\n");
        auto r = client.read_response();
        EXPECT_EQ(r.status, 200) << "round " << i;
        EXPECT_EQ(r.body, "Hello, long!");
        client.send(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            "Content-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body);
        r = client.read_response();
        EXPECT_EQ(r.status, 200) << "round " << i;
        EXPECT_EQ(r.body, "[1]");
    }
}

TEST_F(Http11, TenPipelinedRequestsInOneWriteAreAnsweredInOrder) {
    RawClient client(port());
    std::string batch;
    for (int i = 0; i < 10; ++i)
        batch += "GET /items/" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n";
    client.send(batch);
    for (int i = 0; i < 10; ++i) {
        auto r = client.read_response();
        ASSERT_EQ(r.status, 200) << "response " << i;
        EXPECT_EQ(r.body, "{\"id\":" + std::to_string(i) + "}");
    }
}

TEST_F(Http11, PipelinedSlowAndFastKeepOrder) {
    RawClient client(port());
    client.send(
        "GET /slow?ms=50 HTTP/1.1\r\nHost: t\r\n\r\n"
        "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(client.read_response().body, "ok");
    EXPECT_EQ(client.read_response().body, "Hello, World!");
}

TEST_F(Http11, ChunkedRequestBody) {
    RawClient client(port());
    client.send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
        "5\r\n{\"a\":\r\n4\r\n[1]}\r\n0\r\n\r\n");
    auto r = client.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"a\":[1]}");
}

TEST_F(Http11, ContentLengthBodySplitAcrossWrites) {
    RawClient client(port());
    client.send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: "
        "9\r\n\r\n{\"a\"");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    client.send(":[1]}");
    EXPECT_EQ(client.read_response().body, "{\"a\":[1]}");
}

TEST_F(Http11, ExpectContinueGets100First) {
    RawClient client(port());
    client.send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        "Expect: 100-continue\r\n\r\n");
    auto interim = client.read_response();
    EXPECT_EQ(interim.status, 100);
    client.send("{}");
    EXPECT_EQ(client.read_response().body, "{}");
}

TEST_F(Http11, HeadHasLengthButNoBody) {
    RawClient client(port());
    client.send("HEAD /json HTTP/1.1\r\nHost: t\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    auto head = client.read_response(true);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Content-Length"), "27");
    // If HEAD had carried a body, this would read it instead of the next response.
    EXPECT_EQ(client.read_response().body, "Hello, World!");
}

TEST_F(Http11, OptionsNotFoundAndMethodNotAllowed) {
    auto options = roundtrip(port(), "OPTIONS /json HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(options.status, 200);
    EXPECT_EQ(options.header("Allow"), "GET, HEAD, OPTIONS");
    auto missing = roundtrip(port(), "GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(missing.status, 404);
    auto wrong = roundtrip(port(), "DELETE /json HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(wrong.status, 405);
    EXPECT_EQ(wrong.header("Allow"), "GET, HEAD, OPTIONS");
}

TEST_F(Http11, Http10ClosesUnlessKeepAlive) {
    RawClient plain(port());
    plain.send("GET /plaintext HTTP/1.0\r\n\r\n");
    auto r = plain.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(plain.wait_closed());

    RawClient kept(port());
    kept.send("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_EQ(kept.read_response().header("Connection"), "keep-alive");
    kept.send("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_EQ(kept.read_response().status, 200);
}

TEST_F(Http11, ConnectionCloseIsHonoured) {
    RawClient client(port());
    client.send("GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    auto r = client.read_response();
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(client.wait_closed());
}

TEST_F(Http11, AbsoluteFormTarget) {
    auto r =
        roundtrip(port(), "GET http://example.com/hello/bob HTTP/1.1\r\nHost: example.com\r\n\r\n");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "Hello, bob!");
}

TEST_F(Http11, UnhandledExceptionIs500AndTheServerKeepsServing) {
    RawClient client(port());
    client.send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(client.read_response().status, 500);
    client.send("GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(Http11, AsyncViewsOverlapAcrossConnections) {
    // Ten /slow?ms=200 requests on ten connections, one loop: ~200 ms in all, not 2 s.
    std::vector<std::unique_ptr<RawClient>> clients;
    auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 10; ++i) {
        clients.push_back(std::make_unique<RawClient>(port()));
        clients.back()->send("GET /slow?ms=200 HTTP/1.1\r\nHost: t\r\n\r\n");
    }
    for (auto& c : clients) EXPECT_EQ(c->read_response().body, "ok");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace vial::testing
