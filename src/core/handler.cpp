#include <vial/handler.hpp>

namespace vial {

template Task<Response> detail::response_of<Json>(Task<Json>);
template Task<Response> detail::response_of<std::string>(Task<std::string>);

namespace detail {

Handler sync_handler(SyncView view) {
    return [view = std::move(view)](RequestContext& ctx) -> Task<Response> { co_return view(ctx); };
}

}  // namespace detail

}  // namespace vial
