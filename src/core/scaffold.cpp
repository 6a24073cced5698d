#include <vial/blueprint.hpp>
#include <vial/error.hpp>
#include <vial/scaffold.hpp>

#include "route_rule.hpp"
#include "websocket_route.hpp"

namespace vial {

Scaffold::Scaffold(std::string name) : name_(std::move(name)) {}

Scaffold::~Scaffold() = default;

void Scaffold::check_setup(std::string_view) const {}

RouteOptions Scaffold::with_method(RouteOptions options, const char* method) {
    if (options.methods.empty()) options.methods.emplace_back(method);
    return options;
}

void Scaffold::add_url_rule(std::string rule, RouteOptions options, Handler view) {
    check_setup("route '" + rule + "'");
    detail::RouteRule parsed(rule);  // throws on a malformed rule, at registration
    if (!view) throw Error("route '" + rule + "' has no view function");
    if (options.methods.empty()) options.methods.emplace_back("GET");
    for (auto& method : options.methods) {
        for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    std::string endpoint = options.endpoint.empty() ? parsed.default_endpoint() : options.endpoint;
    if (endpoint.find('.') != std::string::npos) {
        throw Error("endpoint '" + endpoint + "' of route '" + rule +
                    "' must not contain a dot (dots separate blueprint names)");
    }
    if (options.max_body_bytes && !options.stream_body) {
        throw Error("route '" + rule + "': max_body_bytes applies to streamed bodies only; " +
                    "add .stream_body = true, or raise MAX_CONTENT_LENGTH");
    }
    records_.routes.push_back(RouteRecord{std::move(rule), std::move(endpoint),
                                          std::move(options.methods), std::move(view),
                                          std::move(options.middleware), options.timeout,
                                          options.stream_body, options.max_body_bytes});
}

void Scaffold::add_websocket_rule(std::string rule, RouteOptions options, WebSocketView view) {
    if (!view) throw Error("WebSocket route '" + rule + "' has no view function");
    if (!options.methods.empty() && options.methods != std::vector<std::string>{"GET"}) {
        throw Error("WebSocket route '" + rule + "' answers GET upgrade requests only");
    }
    add_url_rule(rule, options, detail::websocket_handler(std::move(view)));
    records_.routes.back().websocket = true;
}

Scaffold& Scaffold::add_url_rule(std::string rule, ClassView view, RouteOptions options) {
    if (options.methods.empty()) options.methods = std::move(view.methods);
    if (options.endpoint.empty()) options.endpoint = std::move(view.endpoint);
    add_url_rule(std::move(rule), std::move(options), std::move(view.view));
    return *this;
}

void Scaffold::register_blueprint(Blueprint& blueprint, BlueprintOptions options) {
    check_setup("blueprint '" + blueprint.name() + "'");
    std::string name = options.name.empty() ? blueprint.name() : options.name;
    if (name.empty() || name.find('.') != std::string::npos) {
        throw Error("blueprint name '" + name + "' must be non-empty and contain no dot");
    }
    for (const auto& existing : records_.blueprints) {
        if (existing.name == name) {
            throw Error("a blueprint named '" + name + "' is already registered on '" + name_ +
                        "'; register it again with a different {.name = ...}");
        }
    }
    std::string prefix = options.url_prefix.empty() ? blueprint.url_prefix() : options.url_prefix;
    if (!prefix.empty() && prefix.front() != '/') {
        throw Error("url_prefix '" + prefix + "' of blueprint '" + name + "' must start with '/'");
    }
    records_.blueprints.push_back(BlueprintRegistration{
        name, prefix, std::make_shared<const ScaffoldRecords>(blueprint.records_)});
    blueprint.registered_ = true;
}

Blueprint::Blueprint(std::string name, BlueprintOptions options)
    : Scaffold(std::move(name)), options_(std::move(options)) {
    if (this->name().empty() || this->name().find('.') != std::string::npos) {
        throw Error("blueprint name '" + this->name() + "' must be non-empty and contain no dot");
    }
}

Blueprint::~Blueprint() = default;

void Blueprint::check_setup(std::string_view what) const {
    if (registered_) {
        throw Error("cannot register " + std::string(what) + " on blueprint '" + name() +
                    "': it is already registered; set the blueprint up completely first");
    }
}

}  // namespace vial
