#include <vial/error.hpp>
#include <vial/scaffold.hpp>

#include "route_rule.hpp"

namespace vial {

Scaffold::Scaffold(std::string name) : name_(std::move(name)) {}

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
    routes_.push_back(RouteRecord{std::move(rule), std::move(endpoint), std::move(options.methods),
                                  std::move(view)});
}

}  // namespace vial
