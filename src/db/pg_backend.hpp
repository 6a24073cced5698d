#pragma once
#include <vial/database.hpp>

#include <memory>

#include "backend.hpp"

namespace vial::detail {

/// The PostgreSQL backend for `url` (libpq's URI). Throws DatabaseError for a URL libpq
/// cannot parse; connects on first use.
std::shared_ptr<Backend> make_pg_backend(const std::string& url, const DatabaseOptions& options);

}  // namespace vial::detail
