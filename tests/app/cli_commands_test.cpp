// The app's own command-line commands (Flask's @app.cli.command), run in-process.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <memory>
#include <string>
#include <vector>

namespace {

int run_cli(vial::App& app, std::vector<std::string> args) {
    std::vector<char*> argv{const_cast<char*>("app")};
    for (auto& arg : args) argv.push_back(arg.data());
    return vial::cli::main(app, static_cast<int>(argv.size()), argv.data());
}

TEST(CliCommands, RunWithTheirArgumentsAndExitCode) {
    auto seen = std::make_shared<std::vector<std::string>>();
    vial::App app;
    app.cli_command(
        "greet",
        [seen](std::vector<std::string> args) {
            *seen = std::move(args);
            return 3;
        },
        "say hello");
    app.cli_command(
        "wait", []() -> vial::Task<void> { co_await vial::sleep(std::chrono::milliseconds(1)); });
    app.cli_command("fail", [] { throw std::runtime_error("no database"); });
    EXPECT_EQ(run_cli(app, {"greet", "--loud", "ada"}), 3);
    EXPECT_EQ(*seen, (std::vector<std::string>{"--loud", "ada"}));  // passed on as given
    EXPECT_EQ(run_cli(app, {"wait"}), 0);
    EXPECT_EQ(run_cli(app, {"fail"}), 1);
    EXPECT_EQ(run_cli(app, {"nope"}), 2);
}

TEST(CliCommands, NamesAreCheckedAtRegistration) {
    vial::App app;
    app.cli_command("init-db", [] {});
    EXPECT_THROW(app.cli_command("init-db", [] {}), vial::Error);
    EXPECT_THROW(app.cli_command("run", [] {}), vial::Error);
    EXPECT_THROW(app.cli_command("--x", [] {}), vial::Error);
    EXPECT_THROW(app.cli_command("", [] {}), vial::Error);
}

}  // namespace
