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
    bool search(const Node& node, std::string_view rest, bool done, std::string_view method,
                RouteMatch& out) const;
    bool finish(const Node& node, std::string_view method, RouteMatch& out) const;

    std::vector<std::unique_ptr<Route>> routes_;
    std::unique_ptr<Node> root_;
    // Fully static rules, for the common case of an exact hit without a trie walk.
    std::unordered_map<std::string, std::vector<const Route*>> static_;
};

}  // namespace vial::detail
