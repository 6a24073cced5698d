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

/// `value` serialized, non-finite numbers written as null, and doubles as Python's json
/// writes them: the shortest text that reads back as the same double (`50.061118`,
/// `100.0`, `1e+16`), not Boost.JSON's `5.0061118E1`.
std::string json_text(const Json& value);
/// One double as json_text writes it.
void append_double(std::string& out, double value);

}  // namespace vial::detail
