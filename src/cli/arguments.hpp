#pragma once
// Arguments: a command line's flags, in both `--flag value` and `--flag=value` forms.
// A bad flag or value is a UsageError: the CLI prints it and exits with 2.
#include <vial/error.hpp>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vial::detail {

class UsageError : public Error {
  public:
    using Error::Error;
};

class Arguments {
  public:
    explicit Arguments(std::vector<std::string_view> args) : args_(std::move(args)) {}

    bool done() const noexcept { return at_ >= args_.size(); }
    /// The next argument; its name when it is `--flag=value` (the value then waits for
    /// value()).
    std::string_view next();
    /// The next argument exactly as given (for a user command's own arguments).
    std::string_view next_raw() { return args_[at_++]; }
    /// The value of the flag just read: after '=', else the following argument.
    std::string_view value();
    /// True when the flag just read carried "=value" (for flags that take none).
    bool has_inline_value() const noexcept { return inline_value_.has_value(); }

    template <class T>
    T number(T max) {
        std::string_view text = value();
        T parsed{};
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
        if (ec != std::errc{} || end != text.data() + text.size() || parsed > max) {
            throw UsageError("invalid value '" + std::string(text) + "' for " + std::string(flag_));
        }
        return parsed;
    }

  private:
    std::vector<std::string_view> args_;
    std::size_t at_ = 0;
    std::string_view flag_;
    std::optional<std::string_view> inline_value_;
};

}  // namespace vial::detail
