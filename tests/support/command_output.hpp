#pragma once
// Runs a shell command (an independent client: curl, python3-websockets, chromium; or a
// build: cmake, cpack) and returns what it printed.
#include <sys/wait.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace vial::testing {

struct CommandResult {
    int exit_code = -1;  // -1 when the command did not exit normally
    std::string output;
};

/// Runs `command` under /bin/sh; `output` is its stdout (add `2>&1` for stderr too).
inline CommandResult run_command(const std::string& command) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("popen failed: " + command);
    CommandResult result;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
        result.output.append(buffer, n);
    }
    int status = ::pclose(pipe);
    if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
}

inline std::string command_output(const std::string& command) {
    return run_command(command).output;
}

}  // namespace vial::testing
