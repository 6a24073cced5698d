#include "pg_codec.hpp"

#include "sql_text.hpp"

#include <vial/cancel.hpp>
#include <vial/error.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace vial::detail {

namespace {

// Type oids (pg_type.h is in the server's headers, not libpq-dev's).
constexpr Oid kBool = 16, kBytea = 17, kName = 19, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25,
              kOid = 26, kJson = 114, kFloat4 = 700, kFloat8 = 701, kBpchar = 1042, kVarchar = 1043;

}  // namespace

std::string number_placeholders(const std::string& sql) {
    if (sql.find('?') == std::string::npos) return sql;
    std::string out;
    out.reserve(sql.size() + 8);
    int next = 1;
    for (std::size_t i = 0; i < sql.size();) {
        if (sql[i] == '?' && i + 1 < sql.size() && sql[i + 1] == '?') {
            out += '?';  // ?? is a literal ? (JSONB's ?, ?| and ?& operators)
            i += 2;
            continue;
        }
        if (sql[i] == '?') {
            out += '$';
            out += std::to_string(next++);
            ++i;
            continue;
        }
        std::size_t end = sql_token_end(sql, i);
        out.append(sql, i, end - i);
        i = end;
    }
    return out;
}

PgParams::PgParams(const std::vector<SqlValue>& args, const std::string& sql) {
    std::size_t n = args.size();
    text.reserve(n);  // stable: values point into it
    values.reserve(n);
    lengths.reserve(n);
    formats.reserve(n);
    types.reserve(n);
    signature.reserve(n);
    for (const SqlValue& value : args) {
        if (auto* v = std::get_if<Blob>(&value)) {
            values.push_back(v->bytes.data());
            lengths.push_back(static_cast<int>(v->bytes.size()));
            formats.push_back(1);
            types.push_back(kBytea);
            signature += 'b';
            continue;
        }
        signature += 't';
        formats.push_back(0);
        types.push_back(0);
        lengths.push_back(0);  // text parameters are NUL-terminated
        if (std::holds_alternative<std::nullptr_t>(value)) {
            values.push_back(nullptr);
            continue;
        }
        char buffer[32];
        if (auto* v = std::get_if<std::int64_t>(&value)) {
            auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *v);
            text.emplace_back(buffer, end);
        } else if (auto* v = std::get_if<double>(&value)) {
            auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *v);
            text.emplace_back(buffer, end);
        } else {
            const std::string& s = std::get<std::string>(value);
            // A text parameter ends at its first NUL: refuse it rather than lose the rest.
            if (s.find('\0') != std::string::npos)
                throw DatabaseError(
                    "postgresql: text cannot hold a NUL byte (bind it as vial::Blob, for a "
                    "bytea column) in: " +
                    sql);
            text.push_back(s);
        }
        values.push_back(text.back().c_str());
    }
}

namespace {

// A big-endian integer of `size` bytes (PostgreSQL's binary format).
std::uint64_t big_endian(const char* bytes, std::size_t size) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < size; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
    return v;
}

[[noreturn]] void bad_binary(Oid type, std::size_t size) {
    throw DatabaseError("postgresql: a binary value of type oid " + std::to_string(type) + " and " +
                        std::to_string(size) + " bytes cannot be read");
}

SqlValue binary_value_of(const char* bytes, std::size_t size, Oid type) {
    switch (type) {
        case kBool:
            if (size != 1) bad_binary(type, size);
            return std::int64_t{bytes[0] != 0 ? 1 : 0};
        case kInt2:
            if (size != 2) bad_binary(type, size);
            return std::int64_t{static_cast<std::int16_t>(big_endian(bytes, 2))};
        case kInt4:
            if (size != 4) bad_binary(type, size);
            return std::int64_t{static_cast<std::int32_t>(big_endian(bytes, 4))};
        case kOid:
            if (size != 4) bad_binary(type, size);
            return static_cast<std::int64_t>(big_endian(bytes, 4));
        case kInt8:
            if (size != 8) bad_binary(type, size);
            return static_cast<std::int64_t>(big_endian(bytes, 8));
        case kFloat4: {
            if (size != 4) bad_binary(type, size);
            // Through its shortest decimal form, as the text format gives it (0.1, not
            // 0.10000000149011612): a statement reads the same either way.
            float f = std::bit_cast<float>(static_cast<std::uint32_t>(big_endian(bytes, 4)));
            if (!std::isfinite(f)) return static_cast<double>(f);
            char digits[32];
            auto [end, ec] = std::to_chars(digits, digits + sizeof digits, f);
            double v = 0;
            std::from_chars(digits, end, v);
            return v;
        }
        case kFloat8:
            if (size != 8) bad_binary(type, size);
            return std::bit_cast<double>(big_endian(bytes, 8));
        case kBytea:
            return Blob{std::string(bytes, size)};
        case kText:
        case kVarchar:
        case kBpchar:
        case kName:
        case kJson:
            return std::string(bytes, size);  // the same bytes as in text format
        default:
            bad_binary(type, size);
    }
}

SqlValue value_of(const PGresult* result, int row, int column, Oid type) {
    const char* text = PQgetvalue(result, row, column);
    std::size_t size = static_cast<std::size_t>(PQgetlength(result, row, column));
    if (PQfformat(result, column) == 1) return binary_value_of(text, size, type);
    switch (type) {
        case kBool:
            return std::int64_t{text[0] == 't' ? 1 : 0};
        case kInt2:
        case kInt4:
        case kInt8:
        case kOid: {
            std::int64_t v = 0;
            std::from_chars(text, text + size, v);
            return v;
        }
        case kFloat4:
        case kFloat8: {
            std::string_view s(text, size);
            if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
            if (s == "Infinity") return std::numeric_limits<double>::infinity();
            if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
            double v = 0;
            std::from_chars(text, text + size, v);
            return v;
        }
        case kBytea: {
            std::size_t length = 0;
            unsigned char* bytes =
                PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &length);
            if (!bytes) throw DatabaseError("postgresql: out of memory decoding a bytea value");
            Blob blob{std::string(reinterpret_cast<char*>(bytes), length)};
            PQfreemem(bytes);
            return blob;
        }
        default:
            return std::string(text, size);
    }
}

}  // namespace

namespace {

bool shape_matches(const PGresult* result, const PgShape& shape) {
    int fields = PQnfields(result);
    if (!shape.names || shape.types.size() != static_cast<std::size_t>(fields)) return false;
    for (int c = 0; c < fields; ++c) {
        auto at = static_cast<std::size_t>(c);
        if (PQftype(result, c) != shape.types[at] || (*shape.names)[at] != PQfname(result, c))
            return false;
    }
    return true;
}

}  // namespace

std::vector<Row> rows_of(const PGresult* result, std::size_t max_rows, PgShape& shape) {
    std::size_t count =
        std::min<std::size_t>(static_cast<std::size_t>(PQntuples(result)), max_rows);
    int fields = PQnfields(result);
    if (!shape_matches(result, shape)) {
        auto names = std::make_shared<std::vector<std::string>>();
        shape.types.clear();
        names->reserve(static_cast<std::size_t>(fields));
        for (int c = 0; c < fields; ++c) {
            names->emplace_back(PQfname(result, c));
            shape.types.push_back(PQftype(result, c));
        }
        shape.names = std::move(names);
    }
    std::vector<Row> rows;
    rows.reserve(count);
    for (int r = 0; r < static_cast<int>(count); ++r) {
        std::vector<SqlValue> values;
        values.reserve(static_cast<std::size_t>(fields));
        for (int c = 0; c < fields; ++c) {
            if (PQgetisnull(result, r, c)) {
                values.emplace_back(nullptr);
            } else {
                values.push_back(value_of(result, r, c, shape.types[static_cast<std::size_t>(c)]));
            }
        }
        rows.emplace_back(shape.names, std::move(values));
    }
    return rows;
}

bool binary_pays(const PgShape& shape) {
    if (!shape.names || shape.types.empty()) return false;
    bool pays = false;
    for (Oid type : shape.types) {
        switch (type) {
            case kBool:
            case kInt2:
            case kInt4:
            case kInt8:
            case kOid:
            case kFloat4:
            case kFloat8:
            case kBytea:
                pays = true;
                break;
            case kText:
            case kVarchar:
            case kBpchar:
            case kName:
            case kJson:
                break;
            default:
                return false;  // numeric, dates, jsonb, arrays...: their text stays
        }
    }
    return pays;
}

std::exception_ptr error_of(const PGresult* result, const std::string& sql) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    std::string code = state ? state : "";
    std::string why = primary ? primary : PQresultErrorMessage(result);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (why.empty()) why = "the statement failed";
    // Data errors (class 22) quote the offending value (`invalid input syntax for type
    // integer: "..."`); bound values may be secrets, so the quote is left out.
    if (code.starts_with("22")) {
        if (std::size_t quote = why.find(": \""); quote != std::string::npos) why.resize(quote);
    }
    std::string message =
        "postgresql: " + why + (code.empty() ? "" : " (" + code + ")") + " in: " + sql;
    if (code.starts_with("23")) return std::make_exception_ptr(ConstraintError(message));
    if (code == "42601") return std::make_exception_ptr(SqlSyntaxError(message));
    if (code.starts_with("08") || code == "57P01" || code == "57P02" || code == "57P03")
        return std::make_exception_ptr(DatabaseConnectError(message));
    return std::make_exception_ptr(DatabaseError(message));
}

std::exception_ptr connect_error_of(const std::string& why, const std::string& where) {
    std::string text = why;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    std::string message = "postgresql: cannot connect to " + where + ": " + text;
    bool refused_us = text.find("authentication failed") != std::string::npos ||
                      text.find("no pg_hba.conf entry") != std::string::npos ||
                      text.find("password") != std::string::npos ||
                      (text.find("role") != std::string::npos &&
                       text.find("does not exist") != std::string::npos) ||
                      (text.find("database") != std::string::npos &&
                       text.find("does not exist") != std::string::npos);
    if (refused_us) return std::make_exception_ptr(DatabaseAuthError(message));
    return std::make_exception_ptr(DatabaseConnectError(message));
}

}  // namespace vial::detail
