// The command line of an app, run as a user would: the showcase binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/command_output.hpp"

namespace {

struct Run {
    int exit_code;
    std::string output;  // stdout and stderr
};

Run run_showcase_with(const std::string& environment, const std::string& args) {
    std::string command = environment + std::string(VIAL_SHOWCASE_PATH) + " " + args + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("popen failed");
    std::string output;
    char chunk[512];
    while (std::size_t n = fread(chunk, 1, sizeof chunk, pipe)) output.append(chunk, n);
    int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

Run run_showcase(const std::string& args) {
    return run_showcase_with("", args);
}

TEST(Cli, RoutesListsEndpointMethodsAndRule) {
    auto r = run_showcase("routes");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.output.find("Endpoint"), std::string::npos);
    EXPECT_NE(r.output.find("items_id"), std::string::npos);
    EXPECT_NE(r.output.find("/items/<int:id>"), std::string::npos);
    EXPECT_NE(r.output.find("POST"), std::string::npos);
}

TEST(Cli, HelpDescribesTheCommands) {
    auto r = run_showcase("--help");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.output.find("--threads"), std::string::npos);
    EXPECT_NE(r.output.find("routes"), std::string::npos);
    // The app's own commands are listed with their help.
    EXPECT_NE(r.output.find("init-db   create and seed"), std::string::npos) << r.output;
}

TEST(Cli, RoutesSortByRuleOrEndpoint) {
    auto by_rule = run_showcase("routes --sort=rule");
    ASSERT_EQ(by_rule.exit_code, 0);
    EXPECT_LT(by_rule.output.find(" /api/items"), by_rule.output.find(" /ws/echo"));
    auto by_endpoint = run_showcase("routes --sort endpoint");
    ASSERT_EQ(by_endpoint.exit_code, 0);
    EXPECT_LT(by_endpoint.output.find("\nchat "), by_endpoint.output.find("\nplaintext "));
}

TEST(Cli, AConfigFileAndTheAppsOwnCommands) {
    auto dir =
        std::filesystem::temp_directory_path() / ("vial-cli-config-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::string db = (dir / "showcase.db").string();
    std::ofstream(dir / "app.json") << "{\"DATABASE_URL\": \"sqlite://" << db << "\"}";
    auto r = run_showcase("--config " + (dir / "app.json").string() + " init-db");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("database ready: sqlite://" + db), std::string::npos) << r.output;
    EXPECT_TRUE(std::filesystem::exists(db));  // created and seeded by the command
    auto missing = run_showcase("--config /no/such.json routes");
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("/no/such.json"), std::string::npos) << missing.output;
    std::filesystem::remove_all(dir);
}

TEST(Cli, BadInputIsAClearErrorNotACrash) {
    auto unknown = run_showcase("serve");
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.output.find("unknown command 'serve'"), std::string::npos);

    // A bad flag or value is a usage error: exit code 2, the problem named.
    auto bad_port = run_showcase("run --port 99999");
    EXPECT_EQ(bad_port.exit_code, 2);
    EXPECT_NE(bad_port.output.find("invalid value '99999' for --port"), std::string::npos);

    auto bad_inline = run_showcase("run --port=80x");
    EXPECT_EQ(bad_inline.exit_code, 2);
    EXPECT_NE(bad_inline.output.find("invalid value '80x' for --port"), std::string::npos);

    auto missing = run_showcase("run --port");
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.output.find("missing value for --port"), std::string::npos);

    auto unknown_flag = run_showcase("run --verbose");
    EXPECT_EQ(unknown_flag.exit_code, 2);
    EXPECT_NE(unknown_flag.output.find("unknown option '--verbose' for run"), std::string::npos);

    auto bad_sort = run_showcase("routes --sort size");
    EXPECT_EQ(bad_sort.exit_code, 2);
    EXPECT_NE(bad_sort.output.find("invalid value 'size' for --sort"), std::string::npos);

    auto bad_level = run_showcase("--log-level loud routes");
    EXPECT_EQ(bad_level.exit_code, 2);
    EXPECT_NE(bad_level.output.find("invalid value 'loud' for --log-level (debug, info, warning"),
              std::string::npos)
        << bad_level.output;
    auto bad_format = run_showcase("run --access-log=apache");
    EXPECT_EQ(bad_format.exit_code, 2);
    EXPECT_NE(bad_format.output.find("invalid value 'apache' for --access-log"), std::string::npos);
    auto bad_env = run_showcase_with("VIAL_LOG_LEVEL=chatty ", "routes");
    EXPECT_EQ(bad_env.exit_code, 1);
    EXPECT_NE(bad_env.output.find("invalid log level 'chatty'"), std::string::npos);

    auto bad_host = run_showcase("run --host not-an-ip --port 0");
    EXPECT_EQ(bad_host.exit_code, 1);
    EXPECT_NE(bad_host.output.find("invalid host address"), std::string::npos);
}

}  // namespace

namespace {

// `app db upgrade` applies the migrations once, on the DATABASE_URL of the environment.
TEST(Cli, DbUpgradeAppliesMigrationsOnce) {
    auto dir = std::filesystem::temp_directory_path() /
               ("vial-cli-migrations-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "0001_notes.sql") << "CREATE TABLE notes (body TEXT); -- first\n"
                                             "INSERT INTO notes VALUES ('a;b');\n";
    std::ofstream(dir / "0002_more.sql") << "INSERT INTO notes VALUES ('c');";
    std::string db = (dir / "app.db").string();
    std::string env = "VIAL_DATABASE_URL=sqlite://" + db + " ";
    auto first = run_showcase_with(env, "db upgrade --dir " + dir.string());
    EXPECT_EQ(first.exit_code, 0) << first.output;
    EXPECT_NE(first.output.find("applied 0001_notes.sql\napplied 0002_more.sql"), std::string::npos)
        << first.output;
    auto again = run_showcase_with(env, "db upgrade --dir=" + dir.string());
    EXPECT_EQ(again.exit_code, 0);
    EXPECT_NE(again.output.find("up to date"), std::string::npos) << again.output;

    auto no_url = run_showcase_with("VIAL_DATABASE_URL= ", "db upgrade --dir " + dir.string());
    EXPECT_NE(no_url.exit_code, 0);
    auto bad = run_showcase("db downgrade");
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.output.find("db upgrade"), std::string::npos);
    auto missing = run_showcase_with(env, "db upgrade --dir /no/such/dir");
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("no directory '/no/such/dir'"), std::string::npos)
        << missing.output;
    std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

// Serves the showcase with `flags` (a free port is appended) until one request to `path`
// was answered, then stops it with SIGINT; returns everything it logged.
std::string serve_one_request(const std::string& environment, const std::string& flags,
                              const std::string& path) {
    std::string script =
        "port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); "
        "s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])'); log=$(mktemp); " +
        environment + std::string(VIAL_SHOWCASE_PATH) + " " + flags +
        " --port $port >$log 2>&1 & pid=$!; "
        "for i in $(seq 1 100); do curl -s -o /dev/null -H 'X-Request-ID: cli-7' "
        "http://127.0.0.1:$port" +
        path +
        " && break; sleep 0.1; done; sleep 0.2; kill -INT $pid; wait $pid; cat $log; rm -f $log";
    return vial::testing::run_command("(" + script + ") 2>&1").output;
}

TEST(Cli, LogLevelAndAccessLogFormatFromFlagsAndEnvironment) {
    // JSON access lines, with the request's id; the startup line at info.
    std::string json = serve_one_request("", "run --threads 1 --access-log=json", "/plaintext");
    EXPECT_NE(json.find(" INFO vial "), std::string::npos) << json;
    EXPECT_NE(json.find("\"target\":\"/plaintext\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"request_id\":\"cli-7\""), std::string::npos) << json;

    // At warning, info lines (startup, stop) are dropped; the access log is not a level.
    std::string quiet = serve_one_request("VIAL_ACCESS_LOG=combined ",
                                          "--log-level=warning run --threads 1", "/plaintext");
    EXPECT_EQ(quiet.find(" INFO "), std::string::npos) << quiet;
    EXPECT_NE(quiet.find("\"GET /plaintext HTTP/1.1\" 200 "), std::string::npos) << quiet;
    EXPECT_NE(quiet.find(" \"-\" \"curl/"), std::string::npos) << quiet;  // combined

    // --debug turns DEBUG on, and says loudly that it is on.
    std::string debug = serve_one_request("", "run --threads 1 --quiet --debug", "/plaintext");
    EXPECT_NE(debug.find("WARNING DEBUG is on"), std::string::npos) << debug;
    EXPECT_EQ(serve_one_request("", "run --threads 1 --quiet", "/plaintext").find("DEBUG is on"),
              std::string::npos);

    // The environment sets the level when no flag does.
    std::string env =
        serve_one_request("VIAL_LOG_LEVEL=error ", "run --threads 1 --quiet", "/plaintext");
    EXPECT_EQ(env.find(" INFO "), std::string::npos) << env;
}

}  // namespace

namespace {

TEST(Cli, DevRefusesAMissingBuildOrWatchDirectory) {
    auto no_build = run_showcase("dev --port 0");
    EXPECT_EQ(no_build.exit_code, 2);
    EXPECT_NE(no_build.output.find("dev needs --build CMD"), std::string::npos) << no_build.output;
    auto bad_watch = run_showcase("dev --port 0 --build true --watch /nonexistent/dir");
    EXPECT_EQ(bad_watch.exit_code, 2);
    EXPECT_NE(bad_watch.output.find("--watch '/nonexistent/dir' is not a directory"),
              std::string::npos)
        << bad_watch.output;
    auto unknown = run_showcase("dev --build true --reload");
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.output.find("unknown option '--reload' for dev"), std::string::npos);
}

TEST(Cli, RunRefusesAListenFdThatIsNoListeningSocket) {
    // Descriptor 0 is the pipe popen gives (not a socket).
    auto r = run_showcase("run --listen-fd 0");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("--listen-fd 0 is not a listening TCP socket"), std::string::npos)
        << r.output;
}

}  // namespace
