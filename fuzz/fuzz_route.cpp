// Fuzzes rule patterns and matching. Input: a rule, a newline, a path. A bad rule must
// be a vial::Error at registration; a good one must route its path without crashing;
// and url_for must build, from a match's view arguments, a URL that routes back to the
// same endpoint with the same arguments (the invariant the app's links rely on).
#include <vial/run_sync.hpp>
#include <vial/vial.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/dispatcher.hpp"

namespace {

using namespace vial;

// Dispatches GET `target`; the matched endpoint and view args, or nullopt.
std::optional<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> route(
    App& app, const std::string& target) {
    try {
        Request request("GET", target);
        Response response = run_sync(app.dispatcher().full_dispatch(request, false));
        if (response.status() != 200) return std::nullopt;
        return std::pair{request.endpoint(), request.view_args()};
    } catch (const HttpError&) {
        return std::nullopt;  // a malformed target
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t newline = input.find('\n');
    if (newline == std::string_view::npos) return 0;
    std::string rule(input.substr(0, newline));
    std::string path(input.substr(newline + 1));

    App app("routes");
    try {
        app.get(rule, [](Request&) { return "matched"; }, {.endpoint = "target"});
        app.get("/static/fixed", [](Request&) { return "fixed"; }, {.endpoint = "fixed"});
        app.freeze();
    } catch (const Error&) {
        return 0;  // rejected with a message: fine
    }
    if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
    auto first = route(app, path);
    if (!first || first->first != "target") return 0;

    std::vector<UrlParam> params;
    for (const auto& [name, value] : first->second) params.emplace_back(name, value);
    std::string url = app.url_for("target", params);
    auto again = route(app, url);
    if (!again || *again != *first) {
        std::fprintf(stderr, "url_for does not round-trip: rule '%s', path '%s' -> url '%s'\n",
                     rule.c_str(), path.c_str(), url.c_str());
        std::abort();
    }
    return 0;
}
