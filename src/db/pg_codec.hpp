#pragma once
// PostgreSQL's wire values, both ways: `?` placeholders to `$n`, bound values to libpq's
// parameter arrays, result columns to SqlValues by type, and server errors to vial's
// typed DatabaseErrors (naming the SQL, never the values).
#include <vial/database.hpp>

#include <libpq-fe.h>

#include <boost/container/small_vector.hpp>

#include <exception>
#include <string>
#include <vector>

namespace vial::detail {

/// `sql` with each `?` outside literals, quoted names and comments numbered `$1`, `$2`...,
/// and `??` made a literal `?` (JSONB's operators). SQL without `?` comes back unchanged
/// (so `$1` written by hand works too); so does a statement sent without values.
std::string number_placeholders(const std::string& sql);

/// The arrays PQsendQueryParams / PQsendQueryPrepared take, pointing into `args` and
/// into text this object keeps. Text goes as text of unknown type (the server infers it
/// from the context, as for a literal); a Blob goes binary, as bytea.
struct PgParams {
    explicit PgParams(const std::vector<SqlValue>& args, const std::string& sql);
    PgParams(const PgParams&) = delete;  // values point into text
    template <class T>
    using Few = boost::container::small_vector<T, 8>;  // no allocation for most statements
    Few<std::string> text;
    Few<const char*> values;
    Few<int> lengths;
    Few<int> formats;
    Few<Oid> types;
    /// One letter per value ('t' text, 'b' bytea): part of a prepared statement's key.
    std::string signature;
    int count() const noexcept { return static_cast<int>(values.size()); }
};

/// A result's columns: names (shared by its rows) and type oids. A prepared statement
/// keeps the last one, so its rows share it without rebuilding it per query.
struct PgShape {
    std::shared_ptr<const std::vector<std::string>> names;
    std::vector<Oid> types;
};

/// The rows of a PGRES_TUPLES_OK result, at most `max_rows`. bool, integers and oid
/// become integers, float4/8 doubles, bytea a Blob, everything else its text (numeric
/// keeps its exact digits). `shape` is reused when it still matches, else replaced.
/// Columns in binary format are read as such (see binary_pays).
std::vector<Row> rows_of(const PGresult* result, std::size_t max_rows, PgShape& shape);

/// Whether a statement whose results have `shape` is better asked for binary results:
/// every column has a binary form vial reads (bool, integers, oid, float4/8, bytea, and
/// the text types, whose bytes are the same) and one of them saves a conversion (no
/// integer or float parsing, no bytea hex decoding; floats exact whatever the session's
/// extra_float_digits). libpq takes one format for all of a result's columns.
bool binary_pays(const PgShape& shape);

/// A failed result as a typed error: class 23 ConstraintError, 42601 SqlSyntaxError,
/// class 08 and 57P01..03 (the server went away) DatabaseConnectError; a class 22 message
/// loses the value it quotes.
std::exception_ptr error_of(const PGresult* result, const std::string& sql);

/// A connection that failed to open, typed by what libpq says (authentication or not).
std::exception_ptr connect_error_of(const std::string& why, const std::string& where);

}  // namespace vial::detail
