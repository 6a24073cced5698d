#pragma once
// Captures what the process writes to fd 2 (vial's log) while it lives, into a temporary
// file, so a test can assert the lines an operator would read.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace vial::testing {

class StderrCapture {
  public:
    StderrCapture() {
        char name[] = "/tmp/vial-stderr-XXXXXX";
        file_ = mkstemp(name);
        path_ = name;
        saved_ = dup(2);
        dup2(file_, 2);
    }
    ~StderrCapture() {
        restore();
        std::remove(path_.c_str());
    }
    StderrCapture(const StderrCapture&) = delete;
    StderrCapture& operator=(const StderrCapture&) = delete;

    /// Everything written so far.
    std::string text() const {
        std::ifstream in(path_);
        std::stringstream out;
        out << in.rdbuf();
        return out.str();
    }
    void restore() {
        if (saved_ < 0) return;
        dup2(saved_, 2);
        close(saved_);
        close(file_);
        saved_ = -1;
    }

  private:
    int file_ = -1;
    int saved_ = -1;
    std::string path_;
};

/// How many times `needle` occurs in `text` (log lines of one kind).
inline std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + 1))
        ++count;
    return count;
}

}  // namespace vial::testing
