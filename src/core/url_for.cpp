// url_for: build a URL from an endpoint name and parameters (Flask's url_for).
#include <vial/app.hpp>
#include <vial/error.hpp>
#include <vial/request_context.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "dispatcher.hpp"
#include "url_codec.hpp"

namespace vial {

UrlParam::UrlParam(std::string n, double v) : name(std::move(n)) {
    char digits[32];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    value.assign(digits, end);
    if (value.find('.') == std::string::npos && value.find('e') == std::string::npos) value += ".0";
}

namespace detail {

namespace {

const std::string* find_param(const std::vector<UrlParam>& params, std::string_view name) {
    for (const auto& p : params) {
        if (p.name == name) return &p.value;
    }
    return nullptr;
}

// The path of `route` from `params`, or the name of the first missing parameter.
std::string build_path(const Route& route, const std::vector<UrlParam>& params,
                       std::string_view endpoint) {
    std::string path;
    for (const auto& segment : route.rule.segments()) {
        path += '/';
        if (segment.kind == Converter::Static) {
            // Matched against the decoded path, so a '%' or a space in a rule must go out
            // escaped (found by fuzz_route: rule "/%" built "/%", a 400).
            path += encode_path_segment(segment.text);
            continue;
        }
        const std::string* value = find_param(params, segment.text);
        if (!converter_accepts(segment.kind, *value)) {
            throw Error("url_for('" + std::string(endpoint) + "'): value '" + *value + "' for <" +
                        converter_name(segment.kind) + ":" + segment.text + "> in rule '" +
                        route.rule.source() + "' is not a valid " + converter_name(segment.kind));
        }
        path += percent_encode(*value, segment.kind == Converter::Path);
    }
    return path;
}

}  // namespace

std::string Dispatcher::url_for(std::string_view endpoint, const std::vector<UrlParam>& params,
                                const UrlForOptions& options, std::string_view request_host) const {
    auto found = by_endpoint_.find(std::string(endpoint));
    if (found == by_endpoint_.end()) {
        throw Error("url_for: unknown endpoint '" + std::string(endpoint) +
                    "' (see the `routes` command for the endpoint names)");
    }
    const Route* chosen = nullptr;
    std::string missing;
    for (const Route* route : found->second) {
        if (!options.method.empty() && !route->accepts(options.method)) continue;
        auto names = route->rule.parameter_names();
        auto absent = std::find_if(names.begin(), names.end(),
                                   [&](const std::string& n) { return !find_param(params, n); });
        if (absent == names.end()) {
            chosen = route;
            break;
        }
        if (missing.empty())
            missing = "missing parameter '" + *absent + "' for rule '" + route->rule.source() + "'";
    }
    if (!chosen) {
        throw Error("url_for('" + std::string(endpoint) + "'): " +
                    (missing.empty() ? "no rule accepts method " + options.method : missing));
    }
    std::string url = build_path(*chosen, params, endpoint);
    auto names = chosen->rule.parameter_names();
    char separator = '?';
    for (const auto& p : params) {
        if (std::find(names.begin(), names.end(), p.name) != names.end()) continue;
        url += separator;
        url += percent_encode(p.name, false);
        url += '=';
        url += percent_encode(p.value, false);
        separator = '&';
    }
    if (!options.anchor.empty()) {
        url += '#';
        url += percent_encode(options.anchor, false);
    }
    if (options.external) {
        std::string_view host =
            options.host.empty() ? request_host : std::string_view(options.host);
        if (host.empty()) {
            throw Error("url_for('" + std::string(endpoint) +
                        "', external): no host; pass options.host or call it from a request");
        }
        std::string absolute = options.scheme;
        absolute.append("://").append(host).append(url);
        url = std::move(absolute);
    }
    return url;
}

}  // namespace detail

std::string App::url_for(std::string_view endpoint, const std::vector<UrlParam>& params,
                         const UrlForOptions& options) const {
    if (!dispatcher_)
        throw Error("url_for needs a frozen app: call it from a view, or after app.freeze()");
    return dispatcher_->url_for(endpoint, params, options, "");
}

std::string RequestContext::url_for(std::string_view endpoint, const std::vector<UrlParam>& params,
                                    UrlForOptions options) const {
    std::string name(endpoint);
    if (name.starts_with('.')) name = blueprint_->empty() ? name.substr(1) : *blueprint_ + name;
    if (options.external && options.host.empty()) {
        options.host = std::string(request_.headers().get_or("Host", ""));
    }
    return app_.url_for(name, params, options);
}

}  // namespace vial
