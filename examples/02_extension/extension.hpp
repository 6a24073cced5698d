#pragma once
// An example extension, written once for every kind of view: a `require_token`
// decorator and a `timing` middleware. Both work on the one Handler type, so they wrap
// sync views, async views, class-based views and blueprint routes alike: the C++ answer
// to Flask's ensure_sync extension problem.
#include <vial/vial.hpp>

#include <memory>
#include <string>

namespace ext {

/// Wraps a view so that it answers 401 unless "Authorization: Bearer <token>" is sent.
template <class F>
vial::Handler require_token(std::string token, F view) {
    vial::Handler inner = vial::ensure_async(std::move(view));
    return [token = "Bearer " + token,
            inner](vial::RequestContext& ctx) -> vial::Task<vial::Response> {
        if (ctx.request().headers().get_or("Authorization", "") != token) {
            co_return vial::Response("missing or wrong token", 401, "text/plain");
        }
        co_return co_await inner(ctx);
    };
}

/// The same decorator for a class-based view.
inline vial::ClassView require_token(std::string token, vial::ClassView view) {
    view.view = require_token(std::move(token), std::move(view.view));
    return view;
}

/// Middleware that reports how long the wrapped view took, in X-Elapsed-Us.
vial::Middleware timing();

}  // namespace ext

/// A small app using both (see tests/app/extensions_test.cpp).
std::unique_ptr<vial::App> make_extension_app();
