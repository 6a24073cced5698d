#include <vial/cli.hpp>
#include <vial/database.hpp>
#include <vial/error.hpp>
#include <vial/migrate.hpp>
#include <vial/run_sync.hpp>
#include <vial/server.hpp>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "../core/dispatcher.hpp"

namespace vial::cli {

namespace {

constexpr const char* kUsage =
    "usage: %s <command> [options]\n"
    "\n"
    "commands:\n"
    "  run       serve the app until SIGINT or SIGTERM\n"
    "            --host ADDR     address to bind (default 127.0.0.1)\n"
    "            --port N        port (default 8080; 0 picks a free one)\n"
    "            --threads N     event loops, one per thread (default: one per core)\n"
    "            --quiet         no access log\n"
    "            (DATABASE_MIGRATE_ON_START true: db upgrade first)\n"
    "  routes    list the routes: methods, rule, endpoint\n"
    "  db upgrade  apply the migrations not applied yet to DATABASE_URL\n"
    "            --dir DIR       their directory (default MIGRATIONS_DIR, or migrations)\n"
    "  --help    this text\n";

void usage(std::ostream& out, const char* program) {
    std::string text = kUsage;
    text.replace(text.find("%s"), 2, program);
    out << text;
}

template <class T>
T parse_number(std::string_view flag, std::string_view text, T max) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value > max) {
        throw Error("invalid value '" + std::string(text) + "' for " + std::string(flag));
    }
    return value;
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

int print_routes(App& app) {
    const auto& table = app.dispatcher().route_table();
    std::vector<std::pair<std::string, const detail::Route*>> rows;
    std::size_t width = std::string_view("Endpoint").size();
    std::size_t methods_width = std::string_view("Methods").size();
    std::vector<std::string> methods;
    for (const auto& route : table.routes()) {
        std::string joined;
        for (const auto& m : route->methods) joined += (joined.empty() ? "" : ", ") + m;
        methods.push_back(joined);
        width = std::max(width, route->endpoint.size());
        methods_width = std::max(methods_width, joined.size());
    }
    auto pad = [](std::string s, std::size_t w) {
        s.resize(std::max(s.size(), w), ' ');
        return s;
    };
    std::cout << pad("Endpoint", width) << "  " << pad("Methods", methods_width) << "  Rule\n";
    std::cout << std::string(width, '-') << "  " << std::string(methods_width, '-') << "  "
              << std::string(20, '-') << "\n";
    std::size_t i = 0;
    for (const auto& route : table.routes()) {
        std::cout << pad(route->endpoint, width) << "  " << pad(methods[i++], methods_width) << "  "
                  << route->rule.source() << "\n";
    }
    return 0;
}

}  // namespace

int main(App& app, int argc, char** argv) {
    const char* program = argc > 0 ? argv[0] : "app";
    std::vector<std::string_view> args(argv + std::min(argc, 1), argv + argc);
    try {
        if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
            usage(args.empty() ? std::cerr : std::cout, program);
            return args.empty() ? 2 : 0;
        }
        if (!app.frozen()) app.config().from_env();  // VIAL_SECRET_KEY, VIAL_STALL_THRESHOLD_MS...
        if (args[0] == "routes") return print_routes(app);
        if (args[0] == "db") {
            if (args.size() < 2) {
                std::cerr << program << ": db needs a command: db upgrade [--dir DIR]\n";
                return 2;
            }
            if (args[1] != "upgrade") {
                std::cerr << program << ": unknown db command '" << args[1]
                          << "' (there is: db upgrade [--dir DIR])\n";
                return 2;
            }
            std::string dir;
            for (std::size_t i = 2; i < args.size(); ++i) {
                if (args[i] == "--help" || args[i] == "-h") {
                    usage(std::cout, program);
                    return 0;
                }
                if (args[i] == "--dir") {
                    if (i + 1 >= args.size()) {
                        std::cerr << program << ": missing value for --dir\n";
                        return 2;
                    }
                    dir = std::string(args[++i]);
                } else if (args[i].starts_with("--dir=")) {
                    dir = std::string(args[i].substr(6));
                } else {
                    std::cerr << program << ": unknown option '" << args[i] << "' for db upgrade\n";
                    return 2;
                }
            }
            return upgrade_database(app, dir);
        }
        if (args[0] != "run") {
            std::cerr << program << ": unknown command '" << args[0] << "'\n";
            usage(std::cerr, program);
            return 2;
        }
        ServerOptions options = server_options(app.config());
        for (std::size_t i = 1; i < args.size(); ++i) {
            std::string_view flag = args[i];
            auto value = [&]() -> std::string_view {
                if (i + 1 >= args.size()) throw Error("missing value for " + std::string(flag));
                return args[++i];
            };
            if (flag == "--host") {
                options.host = std::string(value());
            } else if (flag == "--port") {
                options.port = parse_number<std::uint16_t>(flag, value(), 65535);
            } else if (flag == "--threads") {
                options.threads = parse_number<unsigned>(flag, value(), 1024);
            } else if (flag == "--quiet") {
                options.quiet = true;
            } else if (flag == "--help" || flag == "-h") {
                usage(std::cout, program);
                return 0;
            } else {
                throw Error("unknown option '" + std::string(flag) + "' for run");
            }
        }
        if (app.config().get<bool>("DATABASE_MIGRATE_ON_START", false)) upgrade_database(app, "");
        Server server(app, options);
        server.run();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << program << ": error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace vial::cli
