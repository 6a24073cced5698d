#pragma once
// Reading SQL text without parsing it: where literals, quoted names, comments and
// dollar-quoted bodies end, so `?` and `;` inside them are left alone.
#include <string>
#include <vector>

namespace vial::detail {

/// The end of the token starting at `at`: past a '...' or E'...' literal, a "quoted"
/// name, a -- or /* */ comment, a $tag$...$tag$ body; otherwise at + 1.
std::size_t sql_token_end(const std::string& sql, std::size_t at);

/// `script` cut at each `;` outside those tokens; blank statements (only spaces and
/// comments) are left out.
std::vector<std::string> split_statements(const std::string& script);

}  // namespace vial::detail
