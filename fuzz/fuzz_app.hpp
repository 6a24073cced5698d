#pragma once
// The app the request fuzzer dispatches to: routes with every converter, and one view
// that reads every part of a request (args, cookies, form, JSON, session, headers), so
// fuzzed bytes reach each parser the app would run. Built once per process.
#include <vial/vial.hpp>

namespace vial::fuzz {

App& fuzz_app();

}  // namespace vial::fuzz
