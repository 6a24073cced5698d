#pragma once
// The showcase's streaming routes: a body sent while it is produced, and Server-Sent
// Events.
#include <vial/vial.hpp>

void register_streaming_routes(vial::App& app);
