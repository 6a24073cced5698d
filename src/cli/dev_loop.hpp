#pragma once
// `app dev`: the edit-rebuild-restart loop. The supervisor owns the listening socket and
// hands it to each generation of the app (`run --listen-fd`), so connections queue on it
// while one generation replaces another and no request is refused.
#include <string>
#include <vector>

namespace vial::detail {

struct DevLoopOptions {
    /// The app's executable, as an absolute path (re-read after each build).
    std::string executable;
    /// Arguments before `run` (--config, --log-level) and after it (run's own flags).
    std::vector<std::string> global_args;
    std::vector<std::string> run_args;
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    int backlog = 1024;
    /// Directories watched recursively (hidden ones and build* skipped).
    std::vector<std::string> watch;
    /// A shell command that rebuilds the executable; exit status 0 means success.
    std::string build;
    /// Quiet time after a change before building (editors write in bursts).
    int debounce_ms = 200;
    /// How long a new generation may take to start serving.
    int start_timeout_ms = 30000;
};

/// Runs the loop until SIGINT or SIGTERM; returns the exit code.
int run_dev_loop(const DevLoopOptions& options);

}  // namespace vial::detail
