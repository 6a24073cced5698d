#pragma once
// The showcase's concurrency routes: what blocks a loop and what does not, background
// tasks that outlive the request, and a deadline race.
#include <vial/vial.hpp>

void register_concurrency_routes(vial::App& app);
