#include <vial/middleware.hpp>

namespace vial {

Handler wrap_handler(Handler view, const std::vector<Middleware>& outer) {
    for (auto layer = outer.rbegin(); layer != outer.rend(); ++layer) {
        // Not a coroutine: it returns the middleware's Task. That Task's Next refers to
        // `inner` inside this closure, which the compiled route keeps alive.
        view = [middleware = *layer, inner = std::move(view)](RequestContext& ctx) {
            return middleware(ctx, Next([&inner, &ctx] { return inner(ctx); }));
        };
    }
    return view;
}

}  // namespace vial
