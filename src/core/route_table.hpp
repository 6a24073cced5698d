#pragma once
// RouteTable: compiled rules in a segment trie. Static segments are tried before
// parameters, parameters in converter priority order, with backtracking, so the most
// specific rule wins whatever the registration order (as Werkzeug).
#include <vial/handler.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "route_rule.hpp"

namespace vial::detail {

struct HookChain;

struct Route {
    RouteRule rule;
    std::string endpoint;
    std::vector<std::string> methods;
    Handler view;
    /// Hooks and error handlers of the scopes (app, blueprints) this route belongs to.
    const HookChain* chain = nullptr;
    /// Zero: no per-route timeout.
    std::chrono::milliseconds timeout{0};
    /// The view reads the body as it arrives (RouteOptions::stream_body), up to
    /// max_body_bytes (0: the server's limit).
    bool stream_body = false;
    std::size_t max_body_bytes = 0;
    /// The view as the server may await it itself (handler.hpp); empty when middleware
    /// wraps the view, or its result type has no direct form.
    DirectView direct{};

    /// HEAD is answered by GET views.
    bool accepts(std::string_view method) const noexcept;
};

struct RouteMatch {
    /// The route that answers, or null.
    const Route* route = nullptr;
    /// Parameter values in rule order; views into the matched path.
    std::vector<std::string_view> values;
    /// When no route answers the method but some match the path: their methods, plus
    /// HEAD (with GET) and OPTIONS, sorted. Empty means the path matched nothing.
    std::vector<std::string> allowed;
};

class RouteTable {
  public:
    RouteTable();
    ~RouteTable();
    RouteTable(RouteTable&&) noexcept;

    void add(Route route);
    RouteMatch match(std::string_view path, std::string_view method) const;
    const std::vector<std::unique_ptr<Route>>& routes() const noexcept { return routes_; }

  private:
    struct Node;
    // Where a <path> value ended and the search went on from (a node and the rest of the
    // path) without a match: reached again by another split of an earlier <path>, it
    // fails again, so it is not searched twice. Without this, k <path> parameters over n
    // segments take O(n^k) steps (found by fuzz_route: a request-line-sized DoS).
    struct FailedState {
        const Node* node;
        const char* rest;
        bool operator==(const FailedState&) const = default;
    };
    struct FailedStateHash {
        std::size_t operator()(const FailedState& s) const noexcept {
            return std::hash<const void*>()(s.node) * 31 + std::hash<const void*>()(s.rest);
        }
    };
    // And a <path> entered again further right, inside the span of ends an earlier entry
    // tried (from its first end to where its loop stopped), stops at once: its loop would
    // try the same ends and stop at the same place. That keeps each <path> O(n). Past a
    // step budget no sane rule needs, a match is given up (404) all the same.
    static constexpr std::size_t kMaxSearchSteps = 100'000;
    struct SearchState {
        std::unordered_set<FailedState, FailedStateHash> failed;
        std::unordered_map<const Node*, std::pair<const char*, const char*>> tried;
        std::size_t steps = 0;
    };

    bool search(const Node& node, std::string_view rest, bool done, std::string_view method,
                RouteMatch& out, SearchState& state) const;
    bool finish(const Node& node, std::string_view method, RouteMatch& out) const;

    std::vector<std::unique_ptr<Route>> routes_;
    std::unique_ptr<Node> root_;
    // Fully static rules, for the common case of an exact hit without a trie walk.
    // Looked up by the request's path as it is (a string_view): no copy per request.
    struct PathHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view path) const noexcept {
            return std::hash<std::string_view>{}(path);
        }
    };
    std::unordered_map<std::string, std::vector<const Route*>, PathHash, std::equal_to<>> static_;
};

}  // namespace vial::detail
