#pragma once
/// vial::cli::main: a `flask`-like command line for an app.
///
///   app run [--host H] [--port P] [--threads N] [--quiet]   serve until SIGINT/SIGTERM
///   app routes                                              list method, rule, endpoint
///   app --help
#include <vial/app.hpp>

namespace vial::cli {

/// Parses argv and runs the command; returns the process exit code.
int main(App& app, int argc, char** argv);

}  // namespace vial::cli
