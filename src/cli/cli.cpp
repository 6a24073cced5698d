#include <vial/cli.hpp>
#include <vial/database.hpp>
#include <vial/error.hpp>
#include <vial/log.hpp>
#include <vial/migrate.hpp>
#include <vial/run_sync.hpp>
#include <vial/server.hpp>
#include <vial/version.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../core/dispatcher.hpp"
#include "arguments.hpp"
#include "dev_loop.hpp"

namespace vial::cli {

namespace {

constexpr const char* kUsage =
    "usage: %s [--config FILE] [--log-level LEVEL] <command> [options]\n"
    "\n"
    "  --config FILE      merge this JSON file into the app's config (before VIAL_ variables)\n"
    "  --log-level LEVEL  debug, info (default), warning, error or critical (LOG_LEVEL)\n"
    "\n"
    "commands:\n"
    "  run       serve the app until SIGINT or SIGTERM\n"
    "            --host ADDR     address to bind (default 127.0.0.1)\n"
    "            --port N        port (default 8080; 0 picks a free one)\n"
    "            --threads N     event loops, one per thread (default: one per core)\n"
    "            --access-log F  off, clf (default), combined or json (ACCESS_LOG)\n"
    "            --quiet         no access log (--access-log=off)\n"
    "            --debug         500s show the exception and its traceback (DEBUG)\n"
    "            --log-level L   as above\n"
    "            --listen-fd N   accept on this inherited listening socket (from a supervisor)\n"
    "            --ready-fd N    write one byte to this descriptor once serving\n"
    "            (DATABASE_MIGRATE_ON_START true: db upgrade first)\n"
    "  dev       serve, and rebuild and restart on every source change (docs/dev.md)\n"
    "            --build CMD     the shell command that rebuilds this program (required)\n"
    "            --watch DIR     a directory to watch, recursively (repeatable; default .)\n"
    "            --host, --port, --threads, --access-log, --quiet, --debug, --log-level as for "
    "run\n"
    "  routes    list the routes: endpoint, methods, rule\n"
    "            --sort KEY      endpoint (default), methods, rule, or match (matching order)\n"
    "  db upgrade  apply the migrations not applied yet to DATABASE_URL\n"
    "            --dir DIR       their directory (default MIGRATIONS_DIR, or migrations)\n"
    "  --help    this text\n"
    "  --version the vial version\n"
    "Options take '--name value' or '--name=value'.\n";

void usage(std::ostream& out, const char* program, const App& app) {
    std::string text = kUsage;
    text.replace(text.find("%s"), 2, program);
    out << text;
    if (app.cli_commands().empty()) return;
    out << "\ncommands of this app:\n";
    for (const auto& command : app.cli_commands()) {
        std::string name = command.name;
        name.resize(std::max<std::size_t>(name.size() + 2, 10), ' ');
        out << "  " << name << command.help << "\n";
    }
}

// Applies the migrations (DATABASE_URL, MIGRATIONS_DIR or `dir`), saying what it did.
int upgrade_database(App& app, std::string dir) {
    const Config& config = app.config();
    if (!config.contains("DATABASE_URL"))
        throw Error("db upgrade: DATABASE_URL is not set (in the config or VIAL_DATABASE_URL)");
    if (dir.empty()) dir = config.get<std::string>("MIGRATIONS_DIR", "migrations");
    Database db(config.get<std::string>("DATABASE_URL"));
    std::vector<std::string> applied = run_sync(migrate(db, dir));
    for (const auto& name : applied) std::cout << "applied " << name << "\n";
    if (applied.empty()) std::cout << "up to date (" << dir << ")\n";
    std::cout << std::flush;
    return 0;
}

int print_routes(App& app, std::string_view sort) {
    struct Row {
        const detail::Route* route;
        std::string methods;
    };
    std::vector<Row> rows;
    std::size_t width = std::string_view("Endpoint").size();
    std::size_t methods_width = std::string_view("Methods").size();
    for (const auto& route : app.dispatcher().route_table().routes()) {
        std::string joined;
        for (const auto& m : route->methods) joined += (joined.empty() ? "" : ", ") + m;
        width = std::max(width, route->endpoint.size());
        methods_width = std::max(methods_width, joined.size());
        rows.push_back({route.get(), std::move(joined)});
    }
    auto by = [&](auto key) {
        std::stable_sort(rows.begin(), rows.end(),
                         [&](const Row& a, const Row& b) { return key(a) < key(b); });
    };
    if (sort == "endpoint") {
        by([](const Row& r) { return r.route->endpoint; });
    } else if (sort == "methods") {
        by([](const Row& r) { return r.methods; });
    } else if (sort == "rule") {
        by([](const Row& r) { return r.route->rule.source(); });
    } else if (sort != "match") {
        throw detail::UsageError("invalid value '" + std::string(sort) +
                                 "' for --sort (endpoint, methods, rule or match)");
    }
    auto pad = [](std::string s, std::size_t w) {
        s.resize(std::max(s.size(), w), ' ');
        return s;
    };
    std::cout << pad("Endpoint", width) << "  " << pad("Methods", methods_width) << "  Rule\n";
    std::cout << std::string(width, '-') << "  " << std::string(methods_width, '-') << "  "
              << std::string(20, '-') << "\n";
    for (const Row& row : rows) {
        std::cout << pad(row.route->endpoint, width) << "  " << pad(row.methods, methods_width)
                  << "  " << row.route->rule.source() << "\n";
    }
    return 0;
}

// The value of --log-level, a usage error (exit 2) when it names no level.
LogLevel level_flag(detail::Arguments& args) {
    std::string_view text = args.value();
    try {
        return parse_log_level(text);
    } catch (const Error&) {
        throw detail::UsageError("invalid value '" + std::string(text) +
                                 "' for --log-level (debug, info, warning, error or critical)");
    }
}

int routes(App& app, detail::Arguments& args) {
    std::string sort = "endpoint";
    while (!args.done()) {
        std::string_view flag = args.next();
        if (flag != "--sort")
            throw detail::UsageError("unknown option '" + std::string(flag) + "' for routes");
        sort = std::string(args.value());
    }
    return print_routes(app, sort);
}

int db(App& app, detail::Arguments& args, const char* program) {
    using detail::UsageError;
    if (args.done()) throw UsageError("db needs a command: db upgrade [--dir DIR]");
    std::string_view sub = args.next();
    if (sub != "upgrade") {
        throw UsageError("unknown db command '" + std::string(sub) +
                         "' (there is: db upgrade [--dir DIR])");
    }
    std::string dir;
    while (!args.done()) {
        std::string_view flag = args.next();
        if (flag == "--help" || flag == "-h") {
            usage(std::cout, program, app);
            return 0;
        }
        if (flag != "--dir")
            throw UsageError("unknown option '" + std::string(flag) + "' for db upgrade");
        dir = std::string(args.value());
    }
    return upgrade_database(app, dir);
}

// Tells a supervisor (`dev`) that this process serves: one byte, then the descriptor goes.
void signal_ready(int fd) {
    char byte = '1';
    [[maybe_unused]] auto written = ::write(fd, &byte, 1);
    ::close(fd);
}

// `dev`: the supervisor. It takes run's flags, keeps host and port for its own socket,
// and hands the rest to every generation of `run`.
int dev(App& app, detail::Arguments& args, const std::string& config_file,
        std::optional<LogLevel> log_level) {
    using detail::UsageError;
    detail::DevLoopOptions o;
    ServerOptions defaults = server_options(app.config());
    o.host = defaults.host;
    o.port = defaults.port;
    while (!args.done()) {
        std::string_view flag = args.next();
        if (flag == "--build") {
            o.build = std::string(args.value());
        } else if (flag == "--watch") {
            o.watch.emplace_back(args.value());
        } else if (flag == "--host") {
            o.host = std::string(args.value());
        } else if (flag == "--port") {
            o.port = args.number<std::uint16_t>(65535);
        } else if (flag == "--threads") {
            o.run_args.push_back("--threads=" + std::to_string(args.number<unsigned>(1024)));
        } else if (flag == "--access-log") {
            o.run_args.push_back("--access-log=" + std::string(args.value()));
        } else if ((flag == "--quiet" || flag == "--debug") && !args.has_inline_value()) {
            o.run_args.emplace_back(flag);
        } else if (flag == "--log-level") {
            o.run_args.push_back("--log-level=" + std::string(log_level_name(level_flag(args))));
        } else {
            throw UsageError("unknown option '" + std::string(flag) + "' for dev");
        }
    }
    if (o.build.empty())
        throw UsageError("dev needs --build CMD: the command that rebuilds this program");
    for (const auto& dir : o.watch) {
        struct stat info {};
        if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
            throw UsageError("--watch '" + dir + "' is not a directory");
    }
    // This program's path now: each generation runs what the build left there.
    char path[4096];
    ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) throw Error("dev: cannot find this program's path (/proc/self/exe)");
    o.executable.assign(path, static_cast<std::size_t>(n));
    if (!config_file.empty()) o.global_args.push_back("--config=" + config_file);
    if (log_level)
        o.global_args.push_back("--log-level=" + std::string(log_level_name(*log_level)));
    return detail::run_dev_loop(o);
}

// `run`: serves until SIGINT or SIGTERM.
int run(App& app, detail::Arguments& args, const char* program, std::optional<LogLevel> log_level) {
    using detail::UsageError;
    ServerOptions options = server_options(app.config());
    int ready_fd = -1;
    while (!args.done()) {
        std::string_view flag = args.next();
        if (flag == "--host") {
            options.host = std::string(args.value());
        } else if (flag == "--port") {
            options.port = args.number<std::uint16_t>(65535);
        } else if (flag == "--threads") {
            options.threads = args.number<unsigned>(1024);
        } else if (flag == "--quiet" && !args.has_inline_value()) {
            options.quiet = true;
        } else if (flag == "--debug" && !args.has_inline_value()) {
            if (app.frozen())
                throw UsageError("--debug: the app is already frozen; set DEBUG in its config");
            app.config().set("DEBUG", true);
        } else if (flag == "--access-log") {
            std::string_view format = args.value();
            try {
                options.access_log = parse_access_log_format(format);
            } catch (const Error&) {
                throw UsageError("invalid value '" + std::string(format) +
                                 "' for --access-log (off, clf, combined or json)");
            }
        } else if (flag == "--listen-fd") {
            options.listen_fd = args.number<int>(1 << 20);
        } else if (flag == "--ready-fd") {
            ready_fd = args.number<int>(1 << 20);
        } else if (flag == "--log-level") {
            log_level = level_flag(args);
            logging::set_level(*log_level);  // before migrations and the Server
        } else if (flag == "--help" || flag == "-h") {
            usage(std::cout, program, app);
            return 0;
        } else {
            throw UsageError("unknown option '" + std::string(flag) + "' for run");
        }
    }
    if (app.config().get<bool>("DATABASE_MIGRATE_ON_START", false)) upgrade_database(app, "");
    // The Server applies LOG_LEVEL: make it the flag's, so that start-up keeps it.
    if (log_level && !app.frozen())
        app.config().set("LOG_LEVEL", std::string(log_level_name(*log_level)));
    Server server(app, options);
    if (log_level) logging::set_level(*log_level);
    server.start();
    if (ready_fd >= 0) signal_ready(ready_fd);
    server.run();
    return 0;
}

}  // namespace

int main(App& app, int argc, char** argv) {
    using detail::Arguments;
    using detail::UsageError;
    const char* program = argc > 0 ? argv[0] : "app";
    Arguments args(std::vector<std::string_view>(argv + std::min(argc, 1), argv + argc));
    try {
        // Options before the command.
        std::string config_file;
        std::optional<LogLevel> log_level;
        std::string_view command;
        while (!args.done() && command.empty()) {
            std::string_view arg = args.next();
            if (arg == "--config") {
                config_file = std::string(args.value());
            } else if (arg == "--log-level") {
                log_level = level_flag(args);
            } else if (arg == "--help" || arg == "-h" || arg == "help") {
                usage(std::cout, program, app);
                return 0;
            } else if (arg == "--version") {
                std::cout << "vial " << kVersion << "\n";
                return 0;
            } else if (arg.starts_with("-")) {
                throw UsageError("unknown option '" + std::string(arg) + "'");
            } else {
                command = arg;
            }
        }
        if (command.empty()) {
            usage(std::cerr, program, app);
            return 2;
        }
        if (!app.frozen()) {
            if (!config_file.empty()) app.config().from_file(config_file);
            app.config().from_env();  // VIAL_SECRET_KEY, VIAL_STALL_THRESHOLD_MS...
        }
        // The flag wins over the config (file, then VIAL_LOG_LEVEL).
        if (!log_level && app.config().contains("LOG_LEVEL"))
            log_level = parse_log_level(app.config().get<std::string>("LOG_LEVEL"));
        if (log_level) logging::set_level(*log_level);
        if (command == "routes") return routes(app, args);
        if (command == "db") return db(app, args, program);
        for (const auto& custom : app.cli_commands()) {
            if (custom.name != command) continue;
            std::vector<std::string> rest;
            while (!args.done()) rest.emplace_back(args.next_raw());
            return run_sync(custom.run(std::move(rest)));
        }
        if (command == "dev") return dev(app, args, config_file, log_level);
        if (command != "run") {
            usage(std::cerr, program, app);
            throw UsageError("unknown command '" + std::string(command) + "'");
        }
        return run(app, args, program, log_level);
    } catch (const UsageError& e) {
        std::cerr << program << ": " << e.what() << " (see " << program << " --help)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << program << ": error: " << detail::without_source_location(e.what()) << "\n";
        return 1;
    }
}

}  // namespace vial::cli
