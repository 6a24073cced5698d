// Streamed responses and Server-Sent Events through the test client.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <memory>

#include "showcase.hpp"

namespace {

using namespace std::chrono_literals;

vial::Task<void> three_parts(vial::ResponseStream& out) {
    co_await out.write("one,");
    co_await out.write("");  // skipped, not a chunk
    co_await out.write("two,");
    co_await out.write("three");
}

TEST(Streaming, TheWholeBodyArrivesThroughGet) {
    vial::App app;
    app.get("/s",
            [](vial::Request&) { return vial::stream(three_parts, {.content_type = "text/csv"}); });
    app.after_request([](vial::Request&, vial::Response response) {
        response.headers().set("X-After", "yes");  // hooks see the streamed head
        return response;
    });
    vial::TestClient client{app};
    auto r = client.get("/s");
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.text(), "one,two,three");
    EXPECT_EQ(r.headers().get_or("Content-Type", ""), "text/csv");
    EXPECT_EQ(r.headers().get_or("X-After", ""), "yes");
}

TEST(Streaming, ChunksArriveOneByOneAndTheProducerWaitsForTheReader) {
    auto produced = std::make_shared<int>(0);
    vial::App app;
    app.get("/count", [produced](vial::Request&) {
        return vial::stream([produced](vial::ResponseStream& out) -> vial::Task<void> {
            for (int i = 0; i < 5; ++i) {
                co_await out.write(std::to_string(i));
                ++*produced;
            }
        });
    });
    vial::TestClient client{app};
    auto stream = client.stream("GET", "/count");
    EXPECT_EQ(stream.status(), 200);
    EXPECT_EQ(*produced, 0);  // the head is ready before the producer wrote anything
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(stream.next_chunk(), std::to_string(i));
        // A write completes only when the reader took its chunk: never more than one ahead.
        EXPECT_LE(*produced, i + 1);
    }
    EXPECT_EQ(stream.next_chunk(), std::nullopt);
    EXPECT_EQ(*produced, 5);
}

TEST(Streaming, ClosingTheStreamCancelsTheProducer) {
    auto cancelled = std::make_shared<bool>(false);
    vial::App app;
    app.get("/endless", [cancelled](vial::Request&) {
        return vial::stream([cancelled](vial::ResponseStream& out) -> vial::Task<void> {
            try {
                for (;;) {
                    co_await out.write("x");
                    co_await vial::sleep(1ms);
                }
            } catch (const vial::Cancelled&) {
                *cancelled = true;
                throw;
            }
        });
    });
    vial::TestClient client{app};
    {
        auto stream = client.stream("GET", "/endless");
        EXPECT_EQ(stream.next_chunk(), "x");
        EXPECT_EQ(stream.next_chunk(), "x");
    }  // destroyed while the producer still runs
    EXPECT_TRUE(*cancelled);
}

TEST(Streaming, ADeclaredLengthIsEnforced) {
    vial::App app;
    app.get("/exact",
            [](vial::Request&) { return vial::stream(three_parts, {.content_length = 13}); });
    app.get("/over",
            [](vial::Request&) { return vial::stream(three_parts, {.content_length = 5}); });
    app.get("/short",
            [](vial::Request&) { return vial::stream(three_parts, {.content_length = 20}); });
    vial::TestClient client{app};
    EXPECT_EQ(client.get("/exact").text(), "one,two,three");
    try {
        client.get("/over");
        ADD_FAILURE() << "an overrun must fail";
    } catch (const vial::Error& e) {
        EXPECT_NE(std::string(e.what()).find("overruns its Content-Length of 5"), std::string::npos)
            << e.what();
    }
    try {
        client.get("/short");
        ADD_FAILURE() << "a short body must fail";
    } catch (const vial::Error& e) {
        EXPECT_NE(std::string(e.what()).find("13 bytes of its declared Content-Length of 20"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Streaming, HeadAnswersTheHeadWithoutRunningTheProducer) {
    auto ran = std::make_shared<bool>(false);
    vial::App app;
    app.get("/s", [ran](vial::Request&) {
        return vial::stream([ran](vial::ResponseStream& out) -> vial::Task<void> {
            *ran = true;
            co_await out.write("body");
        });
    });
    vial::TestClient client{app};
    auto r = client.head("/s");
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.text(), "");
    EXPECT_FALSE(*ran);
}

TEST(Streaming, AnEmptyProducerIsRefused) {
    EXPECT_THROW(vial::stream(nullptr), vial::Error);
}

TEST(ServerSentEvents, EventsAreFramedAsTheSpecificationSays) {
    EXPECT_EQ(vial::format_event({.data = "hello"}), "data: hello\n\n");
    EXPECT_EQ(vial::format_event({.data = "a\nb\r\nc\rd",
                                  .event = "note",
                                  .id = "7",
                                  .retry = std::chrono::milliseconds(2500)}),
              "event: note\nid: 7\nretry: 2500\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
    EXPECT_EQ(vial::format_event({.data = ""}), "data: \n\n");
    // A line break in a single-line field would forge another field.
    EXPECT_THROW(vial::format_event({.data = "x", .id = "1\ndata: forged"}), vial::Error);
    EXPECT_THROW(vial::format_event({.data = "x", .event = "a\rb"}), vial::Error);
}

TEST(ServerSentEvents, AnEventStreamCarriesItsHeadersAndLastEventId) {
    vial::App app;
    app.get("/events", [](vial::Request& req) {
        return vial::event_stream(req, [](vial::EventStream& events) -> vial::Task<void> {
            std::string resumed = events.last_event_id();
            vial::ServerSentEvent event{.data = "after " + resumed, .id = "43"};
            co_await events.send(event);
            vial::Json update{{"n", 1}};
            co_await events.send_json(update, "update");
            co_await events.comment("bye");
        });
    });
    vial::TestClient client{app};
    vial::Headers headers;
    headers.add("Last-Event-ID", "42");
    auto stream = client.stream("GET", "/events", {.headers = headers});
    EXPECT_EQ(stream.headers().get_or("Content-Type", ""), "text/event-stream; charset=utf-8");
    EXPECT_EQ(stream.headers().get_or("Cache-Control", ""), "no-cache");
    EXPECT_EQ(stream.next_chunk(), "id: 43\ndata: after 42\n\n");
    EXPECT_EQ(stream.next_chunk(), "event: update\ndata: {\"n\":1}\n\n");
    EXPECT_EQ(stream.next_chunk(), ": bye\n\n");
    EXPECT_EQ(stream.next_chunk(), std::nullopt);
}

TEST(ServerSentEvents, AQuietStreamSendsHeartbeatComments) {
    vial::App app;
    app.get("/quiet", [](vial::Request& req) {
        return vial::event_stream(req,
                                  [](vial::EventStream& events) -> vial::Task<void> {
                                      co_await vial::sleep(200ms);
                                      co_await events.send("late");
                                  },
                                  {.heartbeat = 20ms});
    });
    vial::TestClient client{app};
    auto stream = client.stream("GET", "/quiet");
    EXPECT_EQ(stream.next_chunk(), ":\n\n");
    std::string rest = stream.read_all();
    EXPECT_TRUE(rest.ends_with("data: late\n\n")) << rest;
}

TEST(ShowcaseStreaming, StreamAndEventsRoutes) {
    auto app = make_app();
    vial::TestClient client{*app};
    EXPECT_EQ(client.get("/stream?n=3").text(), "chunk 1 of 3\nchunk 2 of 3\nchunk 3 of 3\n");
    EXPECT_EQ(client.get("/stream?n=0").status(), 400);
    EXPECT_EQ(client.get("/stream?n=x").status(), 400);
    vial::Headers headers;
    headers.add("Last-Event-ID", "9");
    auto events = client.stream("GET", "/events", {.headers = headers});
    auto first = events.next_chunk();
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->starts_with("event: tick\nid: 10\ndata: 20")) << *first;
}

}  // namespace

namespace {

vial::Task<std::string> read_pieces(vial::Request& req) {
    std::string seen;
    for (;;) {
        std::string piece = co_await req.body_stream().read();
        if (piece.empty()) break;
        seen += "[" + std::to_string(piece.size()) + "]";
    }
    co_return seen;
}

TEST(StreamedBodies, AViewReadsTheBodyInPieces) {
    vial::App app;
    app.post("/in", read_pieces, {.stream_body = true, .max_body_bytes = 200000});
    app.post("/small", read_pieces, {.stream_body = true, .max_body_bytes = 10});
    vial::TestClient client{app};
    EXPECT_EQ(client.post("/in", {.body = std::string(100000, 'x')}).text(), "[65536][34464]");
    EXPECT_EQ(client.post("/in").text(), "");
    EXPECT_EQ(client.post("/small", {.body = std::string(11, 'x')}).status(), 413);
}

TEST(StreamedBodies, OnlyStreamingRoutesHaveABodyStream) {
    vial::App app;
    app.post("/buffered", read_pieces);
    vial::TestClient client{app};
    EXPECT_THROW(client.post("/buffered", {.body = "x"}), vial::Error);
    EXPECT_THROW(app.post("/limit", read_pieces, {.max_body_bytes = 5}), vial::Error);
}

TEST(StreamedBodies, TheShowcaseUploadCountsBytesAndAChecksum) {
    auto app = make_app();
    vial::TestClient client{*app};
    auto r = client.post("/upload", {.body = "hello"});
    EXPECT_EQ(r.json().at("bytes"), 5);
    EXPECT_EQ(r.json().at("fnv1a64"), "a430d84680aabd0b");  // FNV-1a 64 of "hello"
}

}  // namespace

namespace {

TEST(StreamedBodies, BufferedAccessorsSayToUseTheStream) {
    vial::App app;
    app.post("/in", [](vial::Request& req) { return req.json(); }, {.stream_body = true});
    app.post("/copy",
             [](vial::Request& req) {
                 vial::Request copy = req;  // as for a background task: no link to the connection
                 try {
                     copy.body_stream();
                 } catch (const vial::Error&) {
                     return "detached";
                 }
                 return "linked";
             },
             {.stream_body = true});
    vial::TestClient client{app};
    try {
        client.post("/in", {.json = vial::Json{{"a", 1}}});
        ADD_FAILURE();
    } catch (const vial::Error& e) {
        EXPECT_NE(std::string(e.what()).find("read it with body_stream()"), std::string::npos);
    }
    EXPECT_EQ(client.post("/copy", {.body = "x"}).text(), "detached");
}

}  // namespace

namespace {

vial::Task<void> mirror(vial::Request& req, vial::ResponseStream& out) {
    for (;;) {
        std::string piece = co_await req.body_stream().read();
        if (piece.empty()) break;
        co_await out.write(piece);
    }
}

TEST(StreamedBodies, AStreamedResponseMayReadTheStreamedBody) {
    vial::App app;
    app.post(
        "/mirror",
        [](vial::Request& req) {
            return vial::stream([&req](vial::ResponseStream& out) { return mirror(req, out); });
        },
        {.stream_body = true});
    vial::TestClient client{app};
    EXPECT_EQ(client.post("/mirror", {.body = "round trip"}).text(), "round trip");
    auto stream = client.stream("POST", "/mirror", {.body = "piecewise"});
    EXPECT_EQ(stream.read_all(), "piecewise");
}

}  // namespace
