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
/// The first byte from `p` (before `end`) that a JSON string escapes (a control
/// character, '"' or '\\'), found block by block: the bytes skipped are all clean, and
/// at most a block's worth (16) of clean bytes may remain before the one returned.
/// `skip_clean_blocks` uses SSE2 where the target has it, else `skip_clean_words`
/// (eight bytes a step in a 64-bit word).
const char* skip_clean_blocks(const char* p, const char* end) noexcept;
const char* skip_clean_words(const char* p, const char* end) noexcept;
/// One double as json_text writes it.
void append_double(std::string& out, double value);

}  // namespace vial::detail
