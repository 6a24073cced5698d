// The logging seam (vial/log.hpp) and request ids, through the test client: levels, a
// replaceable sink, app.logger(), and the id a request carries from X-Request-ID (or
// generated) into its response and every log line about it.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <boost/system/system_error.hpp>

#include <mutex>
#include <string>
#include <vector>

namespace vial {
namespace {

struct Line {
    LogLevel level;
    std::string logger;
    std::string message;
};

// Installs a sink that records every line; restores the default writer and level after.
class RecordedLog {
  public:
    RecordedLog() {
        logging::set_sink([this](LogLevel level, std::string_view logger, std::string_view m) {
            std::lock_guard lock(mutex_);
            lines_.push_back({level, std::string(logger), std::string(m)});
        });
    }
    ~RecordedLog() {
        logging::set_sink({});
        logging::set_level(LogLevel::info);
    }
    std::vector<Line> lines() {
        std::lock_guard lock(mutex_);
        return lines_;
    }
    // The first line whose message contains `text`, or null.
    std::optional<Line> find(std::string_view text) {
        for (auto& line : lines()) {
            if (line.message.find(text) != std::string::npos) return line;
        }
        return std::nullopt;
    }

  private:
    std::mutex mutex_;
    std::vector<Line> lines_;
};

TEST(LogLevels, ParseAcceptsTheFiveNamesInAnyCaseAndRejectsOthersByName) {
    EXPECT_EQ(parse_log_level("debug"), LogLevel::debug);
    EXPECT_EQ(parse_log_level("INFO"), LogLevel::info);
    EXPECT_EQ(parse_log_level("Warn"), LogLevel::warning);
    EXPECT_EQ(parse_log_level("critical"), LogLevel::critical);
    EXPECT_EQ(log_level_name(LogLevel::error), "error");
    try {
        parse_log_level("loud");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("invalid log level 'loud'"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("debug, info, warning, error or critical"),
                  std::string::npos);
    }
}

TEST(Logger, TheSinkGetsLevelLoggerNameAndMessageAtOrAboveTheLevel) {
    RecordedLog log;
    Logger logger("billing");
    logger.debug("hidden at the default level");
    logger.info("invoice 7 sent");
    logging::set_level(LogLevel::error);
    logger.warning("below error: dropped");
    logger.critical("ledger unbalanced");
    auto lines = log.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].level, LogLevel::info);
    EXPECT_EQ(lines[0].logger, "billing");
    EXPECT_EQ(lines[0].message, "invoice 7 sent");
    EXPECT_EQ(lines[1].level, LogLevel::critical);
    EXPECT_EQ(lines[1].message, "ledger unbalanced");
    EXPECT_FALSE(Logger::enabled_for(LogLevel::warning));
    logging::set_level(LogLevel::debug);
    logger.debug("now shown");
    EXPECT_TRUE(log.find("now shown"));
}

TEST(Logger, ASinkThatLogsDoesNotDeadlockAndItsOwnLinesGoToStderr) {
    std::vector<std::string> seen;
    logging::set_sink([&seen](LogLevel, std::string_view, std::string_view message) {
        seen.emplace_back(message);
        Logger("sink").warning("logged from inside the sink");  // re-enters the seam
    });
    Logger("x").info("outer");
    logging::set_sink({});
    EXPECT_EQ(seen, std::vector<std::string>{"outer"});
}

TEST(Logger, ControlCharactersAreEscapedSoNoLineCanBeForged) {
    RecordedLog log;
    Logger("x").error("GET /a\n2026-01-01T00:00:00Z CRITICAL forged\r");
    auto lines = log.lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].message, "GET /a\\x0A2026-01-01T00:00:00Z CRITICAL forged\\x0D");
}

TEST(Logger, ASinkThatThrowsDoesNotTakeTheCallerDown) {
    logging::set_sink([](LogLevel, std::string_view, std::string_view) {
        throw std::runtime_error("disk full");
    });
    EXPECT_NO_THROW(Logger("x").error("still logged, to stderr"));
    logging::set_sink({});
}

TEST(RequestId, GeneratedEchoedAndCarriedByTheAppLoggersLines) {
    RecordedLog log;
    App app("shop");
    app.get("/pay", [&app](Request& req) {
        app.logger().for_request(req).warning("card declined");
        return "declined";
    });
    TestClient client(app);
    auto first = client.get("/pay");
    auto second = client.get("/pay");
    std::string id = std::string(first.headers().get("X-Request-ID").value_or(""));
    ASSERT_EQ(id.size(), 12u) << id;
    EXPECT_NE(id, second.headers().get("X-Request-ID").value_or(""));  // one per request
    auto line = log.find("card declined");
    ASSERT_TRUE(line);
    EXPECT_EQ(line->logger, "shop");
    EXPECT_EQ(line->level, LogLevel::warning);
    EXPECT_EQ(line->message, "[" + id + "] card declined");
}

TEST(RequestId, ASafeIdFromTheClientIsKeptAnUnsafeOneReplaced) {
    App app("shop");
    app.get("/", [](Request& req) { return req.id(); });
    TestClient client(app);
    auto kept = client.get("/", {.headers = {{"X-Request-ID", "edge-7f3a.91:x_1"}}});
    EXPECT_EQ(kept.text(), "edge-7f3a.91:x_1");
    EXPECT_EQ(kept.headers().get("X-Request-ID"), "edge-7f3a.91:x_1");
    // Spaces, quotes or an overlong value would forge log fields: a fresh id instead.
    for (std::string bad : {std::string("a b"), std::string("x\"y"), std::string(129, 'a')}) {
        auto replaced = client.get("/", {.headers = {{"X-Request-ID", bad}}});
        EXPECT_EQ(replaced.text().size(), 12u) << bad;
        EXPECT_EQ(replaced.headers().get("X-Request-ID"), replaced.text());
    }
}

TEST(RequestId, TheHeaderIsConfigurableOrOff) {
    App renamed("a");
    renamed.config().set("REQUEST_ID_HEADER", "X-Correlation-ID");
    renamed.get("/", [](Request& req) { return req.id(); });
    TestClient client(renamed);
    auto r = client.get("/", {.headers = {{"X-Correlation-ID", "abc"}}});
    EXPECT_EQ(r.text(), "abc");
    EXPECT_EQ(r.headers().get("X-Correlation-ID"), "abc");
    EXPECT_FALSE(r.headers().contains("X-Request-ID"));

    App off("b");
    off.config().set("REQUEST_ID_HEADER", "");
    off.get("/", [](Request& req) { return req.id(); });
    TestClient off_client(off);
    auto o = off_client.get("/", {.headers = {{"X-Request-ID", "ignored"}}});
    EXPECT_EQ(o.text().size(), 12u);  // still an id, for the logs
    EXPECT_FALSE(o.headers().contains("X-Request-ID"));

    for (std::string name : {"X Bad", "Content-Length", "connection"}) {
        App bad("c");
        bad.config().set("REQUEST_ID_HEADER", name);
        bad.get("/", [](Request&) { return "x"; });
        EXPECT_THROW(bad.freeze(), Error) << name;
    }
}

TEST(RequestId, FrameworkErrorLinesCarryTheIdToo) {
    RecordedLog log;
    App app("shop");
    app.get("/boom", [](Request&) -> std::string { throw std::runtime_error("kaboom"); });
    TestClient client(app, {.propagate_exceptions = false});
    auto r = client.get("/boom", {.headers = {{"X-Request-ID", "trace-42"}}});
    EXPECT_EQ(r.status(), 500);
    EXPECT_EQ(r.headers().get("X-Request-ID"), "trace-42");
    auto line = log.find("unhandled exception");
    ASSERT_TRUE(line);
    EXPECT_EQ(line->logger, "vial");
    EXPECT_EQ(line->level, LogLevel::error);
    EXPECT_TRUE(line->message.starts_with("[trace-42] unhandled exception in GET /boom"))
        << line->message;
}

TEST(ErrorLines, BoostErrorsAreLoggedWithoutHeaderPaths) {
    // What a refused connect in a view's own Asio code throws: its what() names a header.
    static constexpr boost::source_location kHere = BOOST_CURRENT_LOCATION;
    const boost::system::error_code refused(ECONNREFUSED, boost::system::system_category(), &kHere);
    ASSERT_NE(std::string(boost::system::system_error(refused, "connect").what()).find(" at /"),
              std::string::npos);
    RecordedLog log;
    App app("shop");
    app.get("/connect", [refused](Request&) -> Task<std::string> {
        throw boost::system::system_error(refused, "connect");
        co_return "unreachable";
    });
    TestClient client(app, {.propagate_exceptions = false});
    EXPECT_EQ(client.get("/connect").status(), 500);
    auto line = log.find("unhandled exception");
    ASSERT_TRUE(line);
    EXPECT_NE(line->message.find("connect: Connection refused [system:111]"), std::string::npos)
        << line->message;
    EXPECT_EQ(line->message.find(" at /"), std::string::npos) << line->message;
}

TEST(RequestId, ContextLoggerIsTheAppLoggerForThisRequest) {
    RecordedLog log;
    App app("shop");
    app.get("/", [](RequestContext& ctx) {
        ctx.logger().info("from the context");
        return "ok";
    });
    TestClient client(app);
    client.get("/", {.headers = {{"X-Request-ID", "ctx-1"}}});
    auto line = log.find("from the context");
    ASSERT_TRUE(line);
    EXPECT_EQ(line->logger, "shop");
    EXPECT_EQ(line->message, "[ctx-1] from the context");
}

}  // namespace
}  // namespace vial
