#pragma once
// The seeds' practice exercise, for real: an upstream price service and a /quotes view
// that fetches several prices over loopback HTTP with vial::HttpClient, concurrently
// (or one after another with &sequential=1, so the difference shows).
#include <vial/vial.hpp>

/// GET /upstream/price/<symbol>?ms=N answers {"symbol", "price"} after N ms.
/// GET /quotes?symbols=a,b,c&ms=N[&sequential=1] fetches each price from the upstream at
/// config QUOTES_UPSTREAM (VIAL_QUOTES_UPSTREAM), or from this server itself when unset
/// and the request came to a loopback address.
void register_quote_routes(vial::App& app);
