#pragma once
// What an expected exception says, for tests that check an error's message.
#include <string>

namespace vial::testing {

/// What an exception of type E thrown by `f` says ("no exception" if none is).
template <class E, class F>
std::string message_of(F f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return "no exception";
}

}  // namespace vial::testing
