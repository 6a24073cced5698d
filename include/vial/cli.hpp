#pragma once
/// vial::cli::main: a `flask`-like command line for an app.
///
///   app [--config FILE] [--log-level L] run [--host H] [--port P] [--threads N]
///       [--access-log off|clf|combined|json] [--quiet] [--debug]
///   app routes [--sort endpoint|methods|rule|match]
///   app db upgrade [--dir DIR]
///   app <command added with App::cli_command> [args...]
///   app --help | --version
/// Options take `--name value` or `--name=value`; a bad command, option or value exits 2.
#include <vial/app.hpp>

namespace vial::cli {

/// Parses argv and runs the command; returns the process exit code.
int main(App& app, int argc, char** argv);

}  // namespace vial::cli
