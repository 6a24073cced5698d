#include "request_target.hpp"

namespace vial::detail {

std::string origin_form(std::string target) {
    if (target.starts_with("http://") || target.starts_with("https://")) {
        std::size_t path = target.find('/', target.find("//") + 2);
        std::size_t query = target.find('?', target.find("//") + 2);
        if (path == std::string::npos || query < path) {
            // Built by append: `"/" + ...` trips g++ 12's -Warray-bounds false positive.
            std::string origin("/");
            if (query != std::string::npos) origin.append(target, query);
            return origin;
        }
        return target.substr(path);
    }
    return target;
}

}  // namespace vial::detail
