#pragma once
// Compiles an App's records (and its blueprints', recursively) into routes with full
// rules and dotted endpoints, each pointing at the HookChain of its scope.
#include <vial/scaffold.hpp>

#include <memory>
#include <vector>

#include "hook_chain.hpp"
#include "route_table.hpp"

namespace vial::detail {

struct CompiledApp {
    std::vector<Route> routes;
    std::vector<std::unique_ptr<HookChain>> chains;
    /// The chain of requests that match no route.
    const HookChain* app_chain = nullptr;
};

/// Hook pointers point into `records`, which must outlive the result.
/// `default_timeout` applies to routes without their own (zero: none).
CompiledApp compile_app(const ScaffoldRecords& records, std::chrono::milliseconds default_timeout);

/// Flask's rule joining: "/api" + "/items" -> "/api/items", "/api" + "/" -> "/api/".
std::string join_rule(std::string_view prefix, std::string_view rule);

}  // namespace vial::detail
