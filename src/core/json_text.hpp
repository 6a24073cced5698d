#pragma once
// JSON text that strict parsers accept. Boost.JSON reads a number past double's range
// (1e400) as infinity and would write it back as `Infinity`, which is not JSON: vial
// refuses such numbers on input and writes non-finite numbers as null on output (as
// JavaScript's JSON.stringify does).
#include <vial/json.hpp>

#include <string>

namespace vial::detail {

/// True if `value` holds a NaN or an infinity anywhere.
bool has_non_finite(const Json& value) noexcept;

/// `value` serialized, non-finite numbers written as null.
std::string json_text(const Json& value);

}  // namespace vial::detail
