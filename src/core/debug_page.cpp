#include "debug_page.hpp"

#include <cxxabi.h>
#include <vial/error.hpp>
#include <vial/escape.hpp>

#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>

#include "../runtime/throw_trace.hpp"
#include "dispatcher.hpp"
#include "error_page.hpp"
#include "json_text.hpp"

namespace vial::detail {

namespace {

std::string demangle(const char* name) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> readable(
        abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
    return status == 0 && readable ? std::string(readable.get()) : std::string(name);
}

// The dynamic type of what was thrown ("std::runtime_error", "boost::system::system_error").
std::string type_of(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return demangle(typeid(e).name());
    } catch (...) {
        const std::type_info* type = abi::__cxa_current_exception_type();
        return type ? demangle(type->name()) : "unknown exception";
    }
}

// Credentials stay out of the page even in debug: their size says they were sent.
std::string shown_value(std::string_view name, std::string_view value) {
    if (iequals(name, "Authorization") || iequals(name, "Cookie") ||
        iequals(name, "Proxy-Authorization")) {
        return "<hidden: " + std::to_string(value.size()) + " bytes>";
    }
    return std::string(value);
}

}  // namespace

Response render_debug_page(const Request& request, const std::exception_ptr& error,
                           std::string_view rule) {
    std::string type = type_of(error);
    std::string message = describe(error);
    std::string trace = throw_trace(error);
    if (trace.empty()) {
        trace = throw_traces_supported()
                    ? "(not recorded: thrown on another thread, or before DEBUG was on)"
                    : "(unavailable in sanitizer builds)";
    }
    if (wants_json(&request)) {
        JsonObject headers;
        for (const auto& [name, value] : request.headers()) {
            headers[name] = shown_value(name, value);
        }
        JsonObject args;
        for (const auto& [name, value] : request.view_args()) args[name] = value;
        Json body = {{"code", 500},
                     {"name", "Internal Server Error"},
                     {"exception", {{"type", type}, {"message", message}}},
                     {"route", {{"endpoint", request.endpoint()}, {"rule", rule}}},
                     {"request",
                      {{"id", request.id()},
                       {"method", request.method()},
                       {"target", request.target()},
                       {"view_args", args},
                       {"headers", headers}}},
                     {"traceback", trace}};
        return Response(json_text(body), 500, "application/json");
    }
    std::string page = "<!doctype html>\n<html lang=en>\n<title>" + escape(type) + ": " +
                       escape(message) +
                       " // vial debug</title>\n<style>body{font-family:sans-serif;margin:2em}"
                       "pre{background:#f4f4f4;padding:1em;overflow:auto}"
                       "td{padding:0 1em 0 0;vertical-align:top}</style>\n"
                       "<h1>" +
                       escape(type) + "</h1>\n<p><b>" + escape(message) + "</b></p>\n";
    page += "<p>in <code>" + escape(request.method()) + " " + escape(request.target()) +
            "</code>, endpoint <code>" + escape(request.endpoint()) + "</code>, rule <code>" +
            escape(rule) + "</code>, request id <code>" + escape(request.id()) + "</code></p>\n";
    page += "<h2>Traceback (where it was thrown)</h2>\n<pre>" + escape(trace) + "</pre>\n";
    page += "<h2>Request headers</h2>\n<table>\n";
    for (const auto& [name, value] : request.headers()) {
        page += "<tr><td>" + escape(name) + "</td><td>" + escape(shown_value(name, value)) +
                "</td></tr>\n";
    }
    page +=
        "</table>\n<p>This page is shown because DEBUG is on. Never enable it in "
        "production.</p>\n";
    return Response(std::move(page), 500);
}

}  // namespace vial::detail
