#pragma once
// Runs a shell command (an independent client: curl, python3-websockets, chromium) and
// returns what it printed on stdout.
#include <cstdio>
#include <stdexcept>
#include <string>

namespace vial::testing {

inline std::string command_output(const std::string& command) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("popen failed: " + command);
    std::string output;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    ::pclose(pipe);
    return output;
}

}  // namespace vial::testing
