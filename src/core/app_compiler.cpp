#include "app_compiler.hpp"

#include <functional>

namespace vial::detail {

namespace {

// Where one kind of route (HTTP or WebSocket) finds its hooks in a scope's records.
struct HookFields {
    std::vector<BeforeRequestHook> ScaffoldRecords::*before;
    std::vector<AfterRequestHook> ScaffoldRecords::*after;
    std::vector<TeardownHook> ScaffoldRecords::*teardown;
    std::vector<BeforeRequestHook> ScaffoldRecords::*app_before;
    std::vector<AfterRequestHook> ScaffoldRecords::*app_after;
    std::vector<TeardownHook> ScaffoldRecords::*app_teardown;
};
constexpr HookFields kHttpHooks{&ScaffoldRecords::before,    &ScaffoldRecords::after,
                                &ScaffoldRecords::teardown,  &ScaffoldRecords::app_before,
                                &ScaffoldRecords::app_after, &ScaffoldRecords::app_teardown};
constexpr HookFields kWebSocketHooks{
    &ScaffoldRecords::ws_before,    &ScaffoldRecords::ws_after,
    &ScaffoldRecords::ws_teardown,  &ScaffoldRecords::app_ws_before,
    &ScaffoldRecords::app_ws_after, &ScaffoldRecords::app_ws_teardown};

// The app scope's hooks of one kind: its own plus every blueprint's before_app_request
// (or before_app_websocket) & co., depth-first in registration order.
struct AppWide {
    std::vector<const BeforeRequestHook*> before;
    std::vector<const AfterRequestHook*> after;
    std::vector<const TeardownHook*> teardown;
};

template <class T>
void append(std::vector<const T*>& out, const std::vector<T>& items) {
    for (const auto& item : items) out.push_back(&item);
}

void collect_app_wide(const ScaffoldRecords& records, const HookFields& f, AppWide& out,
                      std::vector<const ErrorHandlerRecord*>* errors) {
    append(out.before, records.*f.app_before);
    append(out.after, records.*f.app_after);
    append(out.teardown, records.*f.app_teardown);
    if (errors) append(*errors, records.app_errors);
    for (const auto& child : records.blueprints) collect_app_wide(*child.records, f, out, errors);
}

class Compiler {
  public:
    Compiler(const ScaffoldRecords& app, std::chrono::milliseconds default_timeout)
        : default_timeout_(default_timeout) {
        append(app_errors_, app.errors);
        for (std::size_t kind = 0; kind < 2; ++kind) {
            const HookFields& f = kind == 0 ? kHttpHooks : kWebSocketHooks;
            append(app_[kind].before, app.*f.before);
            append(app_[kind].after, app.*f.after);
            append(app_[kind].teardown, app.*f.teardown);
            for (const auto& child : app.blueprints)
                collect_app_wide(*child.records, f, app_[kind], kind == 0 ? &app_errors_ : nullptr);
        }
    }

    CompiledApp run(const ScaffoldRecords& app) {
        std::vector<const ScaffoldRecords*> scopes;
        walk(app, "", "", scopes);
        out_.app_chain = out_.chains.front().get();
        return std::move(out_);
    }

  private:
    void walk(const ScaffoldRecords& records, const std::string& name, const std::string& prefix,
              std::vector<const ScaffoldRecords*>& scopes) {
        scopes.push_back(&records);
        const HookChain* chain = make_chain(scopes, name, 0);
        const HookChain* ws_chain = nullptr;
        std::vector<Middleware> scope_middleware;  // app first, then outer to inner blueprint
        for (const auto* scope : scopes) {
            scope_middleware.insert(scope_middleware.end(), scope->middleware.begin(),
                                    scope->middleware.end());
        }
        for (const auto& route : records.routes) {
            std::string endpoint = name.empty() ? route.endpoint : name + "." + route.endpoint;
            std::vector<Middleware> layers = scope_middleware;
            layers.insert(layers.end(), route.middleware.begin(), route.middleware.end());
            if (route.websocket && !ws_chain) ws_chain = make_chain(scopes, name, 1);
            // A socket lives long: the app's default view timeout is not for it.
            auto timeout =
                route.timeout.count() || route.websocket ? route.timeout : default_timeout_;
            out_.routes.push_back(Route{RouteRule(join_rule(prefix, route.rule)), endpoint,
                                        route.methods, wrap_handler(route.view, layers),
                                        route.websocket ? ws_chain : chain, timeout,
                                        route.stream_body, route.max_body_bytes,
                                        layers.empty() ? route.direct : DirectView{}});
        }
        for (const auto& child : records.blueprints) {
            walk(*child.records, name.empty() ? child.name : name + "." + child.name,
                 prefix.empty() ? child.url_prefix : join_rule(prefix, child.url_prefix), scopes);
        }
        scopes.pop_back();
    }

    const HookChain* make_chain(const std::vector<const ScaffoldRecords*>& scopes,
                                const std::string& name, std::size_t kind) {
        const HookFields& f = kind == 0 ? kHttpHooks : kWebSocketHooks;
        const AppWide& app = app_[kind];
        auto chain = std::make_unique<HookChain>();
        chain->blueprint = name;
        // scopes[0] is the app, whose hooks include the blueprints' app-wide ones.
        chain->before = app.before;
        for (std::size_t i = 1; i < scopes.size(); ++i) append(chain->before, scopes[i]->*f.before);
        auto add_reversed = [](auto& out, const auto& items) {
            for (auto it = items.rbegin(); it != items.rend(); ++it) out.push_back(&*it);
        };
        auto add_reversed_ptrs = [](auto& out, const auto& items) {
            for (auto it = items.rbegin(); it != items.rend(); ++it) out.push_back(*it);
        };
        for (std::size_t i = scopes.size(); i-- > 1;) {
            add_reversed(chain->after, scopes[i]->*f.after);
            add_reversed(chain->teardown, scopes[i]->*f.teardown);
        }
        add_reversed_ptrs(chain->after, app.after);
        add_reversed_ptrs(chain->teardown, app.teardown);
        auto add_errors = [&](const ErrorHandlerRecord* record) {
            (record->status ? chain->status_handlers : chain->type_handlers).push_back(record);
        };
        for (std::size_t i = scopes.size(); i-- > 1;) {
            for (const auto& record : scopes[i]->errors) add_errors(&record);
        }
        for (const auto* record : app_errors_) add_errors(record);
        out_.chains.push_back(std::move(chain));
        return out_.chains.back().get();
    }

    AppWide app_[2];  // [0] HTTP routes, [1] WebSocket routes
    std::vector<const ErrorHandlerRecord*> app_errors_;
    CompiledApp out_;
    std::chrono::milliseconds default_timeout_;
};

}  // namespace

std::string join_rule(std::string_view prefix, std::string_view rule) {
    if (prefix.empty()) return std::string(rule);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    while (!rule.empty() && rule.front() == '/') rule.remove_prefix(1);
    std::string out(prefix);
    out += '/';
    out += rule;
    return out;
}

CompiledApp compile_app(const ScaffoldRecords& records, std::chrono::milliseconds default_timeout) {
    return Compiler(records, default_timeout).run(records);
}

}  // namespace vial::detail
