#include "route_table.hpp"

#include <algorithm>

#include "url_codec.hpp"

namespace vial::detail {

struct RouteTable::Node {
    std::vector<std::pair<std::string, std::unique_ptr<Node>>> statics;
    std::vector<std::pair<Converter, std::unique_ptr<Node>>> params;  // sorted by Converter
    std::vector<const Route*> routes;                                 // registration order

    Node& child(const RuleSegment& segment) {
        if (segment.kind == Converter::Static) {
            // Compared with the routing form of request paths, where '%' is %25.
            std::string text = escape_for_routing(segment.text, true);
            for (auto& [existing, node] : statics) {
                if (existing == text) return *node;
            }
            return *statics.emplace_back(std::move(text), std::make_unique<Node>()).second;
        }
        for (auto& [kind, node] : params) {
            if (kind == segment.kind) return *node;
        }
        auto at = std::find_if(params.begin(), params.end(),
                               [&](const auto& p) { return p.first > segment.kind; });
        return *params.insert(at, {segment.kind, std::make_unique<Node>()})->second;
    }
};

bool Route::accepts(std::string_view method) const noexcept {
    for (const auto& m : methods) {
        if (m == method || (method == "HEAD" && m == "GET")) return true;
    }
    return false;
}

RouteTable::RouteTable() : root_(std::make_unique<Node>()) {}
RouteTable::~RouteTable() = default;
RouteTable::RouteTable(RouteTable&&) noexcept = default;

void RouteTable::add(Route route) {
    routes_.push_back(std::make_unique<Route>(std::move(route)));
    const Route* added = routes_.back().get();
    Node* node = root_.get();
    for (const auto& segment : added->rule.segments()) node = &node->child(segment);
    node->routes.push_back(added);
    if (added->rule.is_static())
        static_[escape_for_routing(added->rule.source(), true)].push_back(added);
}

RouteMatch RouteTable::match(std::string_view path, std::string_view method) const {
    RouteMatch out;
    if (path.empty() || path[0] != '/') return out;
    if (auto hit = static_.find(path); hit != static_.end()) {
        for (const Route* route : hit->second) {
            if (route->accepts(method)) {
                out.route = route;
                return out;
            }
        }
    }
    SearchState state;  // allocates only once a <path> value needs backtracking
    search(*root_, path.substr(1), false, method, out, state);
    if (out.route) {
        out.allowed.clear();
    } else if (!out.allowed.empty()) {
        std::sort(out.allowed.begin(), out.allowed.end());
        out.allowed.erase(std::unique(out.allowed.begin(), out.allowed.end()), out.allowed.end());
    }
    return out;
}

bool RouteTable::finish(const Node& node, std::string_view method, RouteMatch& out) const {
    for (const Route* route : node.routes) {
        if (route->accepts(method)) {
            out.route = route;
            return true;
        }
        for (const auto& m : route->methods) {
            out.allowed.push_back(m);
            if (m == "GET") out.allowed.emplace_back("HEAD");
        }
        out.allowed.emplace_back("OPTIONS");
    }
    return false;
}

// `rest` is the unmatched path after a '/', `done` true once every segment is consumed.
bool RouteTable::search(const Node& node, std::string_view rest, bool done, std::string_view method,
                        RouteMatch& out, SearchState& state) const {
    if (++state.steps > kMaxSearchSteps) return false;
    if (done) return finish(node, method, out);
    std::size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;
    std::string_view after = last ? std::string_view{} : rest.substr(slash + 1);

    for (const auto& [text, child] : node.statics) {
        if (text == segment && search(*child, after, last, method, out, state)) return true;
    }
    for (const auto& [kind, child] : node.params) {
        if (kind != Converter::Path) {
            // An encoded slash (%2F in the routing form) never makes a value: `<name>`
            // keeps its promise of no '/', so "..%2F..%2Fetc" cannot reach a view that
            // joins it to a directory.
            if (!converter_accepts(kind, segment) || has_encoded_slash(segment)) continue;
            out.values.push_back(segment);
            if (search(*child, after, last, method, out, state)) return true;
            out.values.pop_back();
            continue;
        }
        // A path parameter takes one or more whole segments, shortest first. Not even a
        // <path> takes an encoded slash (as Apache's default): rebuilt by url_for it would
        // be a real '/', and route elsewhere. Each longer value adds one segment, so only
        // that segment is checked, and one holding an encoded slash ends the loop.
        if (!converter_accepts(kind, rest.substr(0, slash))) continue;
        const char* path_end = rest.data() + rest.size();
        auto at = [&](std::size_t end) { return end == rest.npos ? path_end : rest.data() + end; };
        // An earlier value of this parameter (entered further left) already tried every
        // end from here to where its loop stopped, and the loop would stop there again.
        auto earlier = state.tried.find(child.get());
        if (earlier != state.tried.end() && earlier->second.first <= at(slash) &&
            at(slash) <= earlier->second.second)
            continue;
        std::size_t begin = 0;
        std::size_t end = slash;
        for (;; end = rest.find('/', end + 1)) {
            if (++state.steps > kMaxSearchSteps) return false;
            bool consumed_all = end == std::string_view::npos;
            if (has_encoded_slash(rest.substr(begin, consumed_all ? rest.npos : end - begin)))
                break;
            begin = end + 1;
            std::string_view remaining = consumed_all ? std::string_view{} : rest.substr(end + 1);
            FailedState tried{child.get(), consumed_all ? nullptr : remaining.data()};
            if (!state.failed.contains(tried)) {
                out.values.push_back(rest.substr(0, end));
                if (search(*child, remaining, consumed_all, method, out, state)) return true;
                out.values.pop_back();
                state.failed.insert(tried);
            }
            if (consumed_all) break;
        }
        state.tried[child.get()] = {at(slash), at(end)};
    }
    return false;
}

}  // namespace vial::detail
