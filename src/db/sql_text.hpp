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

/// A SELECT that takes no row locks and creates nothing (no FOR UPDATE/SHARE, no INTO),
/// judged from its words outside literals and comments. False when unsure: the caller
/// then treats the statement as one that may write.
bool reads_only(const std::string& sql);

/// Whether a prepared `sql` returns the same columns on every run (SELECT, WITH, VALUES,
/// TABLE, and INSERT/UPDATE/DELETE with RETURNING): not FETCH, EXECUTE, SHOW or CALL,
/// whose columns depend on what they run.
bool shape_is_fixed(const std::string& sql);

}  // namespace vial::detail
