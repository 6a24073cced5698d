#include "arguments.hpp"

namespace vial::detail {

std::string_view Arguments::next() {
    std::string_view arg = args_[at_++];
    inline_value_.reset();
    std::size_t equals = arg.find('=');
    if (arg.starts_with("--") && equals != std::string_view::npos) {
        inline_value_ = arg.substr(equals + 1);
        arg = arg.substr(0, equals);
    }
    flag_ = arg;
    return arg;
}

std::string_view Arguments::value() {
    if (inline_value_) return *std::exchange(inline_value_, std::nullopt);
    if (done()) throw UsageError("missing value for " + std::string(flag_));
    return args_[at_++];
}

}  // namespace vial::detail
