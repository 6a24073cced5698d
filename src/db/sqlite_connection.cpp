#include "sqlite_connection.hpp"

#include <vial/cancel.hpp>

#include <cctype>

namespace vial::detail {

namespace {
constexpr std::size_t kCachedStatements = 64;

// The running job's cancel flag, seen by the progress handler while the job runs.
struct CancelWatch {
    CancelWatch(const std::atomic<bool>*& slot, const std::atomic<bool>* flag) : slot(slot) {
        slot = flag;
    }
    ~CancelWatch() { slot = nullptr; }
    const std::atomic<bool>*& slot;
};
}  // namespace

SqliteConnection::SqliteConnection(const std::string& path, bool read_only,
                                   const std::atomic<bool>& closing)
    : closing_(closing) {
    int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (code != SQLITE_OK) {
        std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
        sqlite3_close(db_);
        throw DatabaseError("sqlite: cannot open '" + path + "': " + why);
    }
    sqlite3_busy_timeout(db_, 5000);
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_exec(db_, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
    if (path != ":memory:" && !read_only)
        sqlite3_exec(db_, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
    sqlite3_progress_handler(db_, 1000, &check_cancelled, this);
}

SqliteConnection::~SqliteConnection() {
    close_cursor();
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
}

// Called by SQLite every 1000 virtual-machine steps of a running statement: a nonzero
// answer interrupts it (SQLITE_INTERRUPT).
int SqliteConnection::check_cancelled(void* self) {
    auto* connection = static_cast<SqliteConnection*>(self);
    if (connection->closing_.load(std::memory_order_relaxed)) return 1;
    const std::atomic<bool>* cancel = connection->cancel_;
    return cancel && cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

QueryResult SqliteConnection::run(const Statement& statement, const std::atomic<bool>* cancel) {
    CancelWatch watch(cancel_, cancel);
    return statement.many.empty() ? execute(statement) : execute_many(statement);
}

bool SqliteConnection::reads_only(const std::string& sql) {
    return sqlite3_stmt_readonly(prepare(sql)) != 0;
}

void SqliteConnection::roll_back_if_open() {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

sqlite3_stmt* SqliteConnection::prepare(const std::string& sql) {
    if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
    sqlite3_stmt* statement = compile(sql);
    if (statements_.size() >= kCachedStatements) {
        for (auto& [text, cached] : statements_) sqlite3_finalize(cached);
        statements_.clear();
    }
    statements_.emplace(sql, statement);
    return statement;
}

sqlite3_stmt* SqliteConnection::compile(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    int code =
        sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()) + 1, &statement, &tail);
    if (code != SQLITE_OK) fail(code, sql);
    if (!statement) throw DatabaseError("sqlite: the statement is empty: " + sql);
    for (; tail && *tail; ++tail) {
        if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';') {
            sqlite3_finalize(statement);
            throw DatabaseError("sqlite: one statement at a time (bound values go to one): " + sql);
        }
    }
    return statement;
}

void SqliteConnection::open_cursor(const Statement& job) {
    close_cursor();
    sqlite3_stmt* statement = compile(job.sql);
    try {
        bind(statement, job, true);
    } catch (...) {
        sqlite3_finalize(statement);
        throw;
    }
    cursor_ = statement;
    cursor_sql_ = job.sql;
}

std::vector<Row> SqliteConnection::fetch(std::size_t rows, const std::atomic<bool>* cancel) {
    std::vector<Row> batch;
    if (!cursor_) return batch;
    CancelWatch watch(cancel_, cancel);
    batch.reserve(rows);
    bool done = true;
    try {
        done = read_rows(cursor_, cursor_sql_, rows, cursor_columns_, batch);
    } catch (...) {
        close_cursor();
        throw;
    }
    if (done) close_cursor();
    return batch;
}

void SqliteConnection::close_cursor() noexcept {
    if (!cursor_) return;
    sqlite3_finalize(cursor_);
    cursor_ = nullptr;
    cursor_sql_.clear();
    cursor_columns_.reset();
}

void SqliteConnection::fail(int code, const std::string& sql) {
    std::string why = sqlite3_errmsg(db_);
    std::string message = "sqlite: " + why + " in: " + sql;
    if ((code & 0xff) == SQLITE_INTERRUPT) throw Cancelled("the query was cancelled: " + sql);
    if ((code & 0xff) == SQLITE_CONSTRAINT) throw ConstraintError(message);
    if (why.find("syntax error") != std::string::npos) throw SqlSyntaxError(message);
    throw DatabaseError(message);
}

// Each set of values in turn, as separate statements; the first failure is thrown
// after the others ran.
QueryResult SqliteConnection::execute_many(const Statement& batch) {
    QueryResult all;
    all.many.reserve(batch.many.size());
    std::exception_ptr first_failure;
    Statement one = sql_only(batch.sql);
    for (const auto& args : batch.many) {
        one.args = args;
        try {
            all.many.push_back(execute(one));
        } catch (const Cancelled&) {
            throw;  // interrupted: the rest is not wanted either
        } catch (...) {
            if (!first_failure) first_failure = std::current_exception();
            all.many.emplace_back();
        }
    }
    if (first_failure) std::rethrow_exception(first_failure);
    return all;
}

QueryResult SqliteConnection::execute(const Statement& job) {
    sqlite3_stmt* statement = prepare(job.sql);
    struct Reset {
        sqlite3_stmt* statement;
        ~Reset() {
            sqlite3_reset(statement);
            sqlite3_clear_bindings(statement);
        }
    } reset{statement};
    bind(statement, job, false);
    QueryResult result;
    std::shared_ptr<std::vector<std::string>> columns;
    read_rows(statement, job.sql, job.max_rows, columns, result.rows);
    result.exec.rows_affected = sqlite3_changes64(db_);
    result.exec.last_insert_id = sqlite3_last_insert_rowid(db_);
    return result;
}

void SqliteConnection::bind(sqlite3_stmt* statement, const Statement& job, bool copy) {
    // A cursor's values are copied: its Statement is gone by the time it steps.
    sqlite3_destructor_type lifetime = copy ? SQLITE_TRANSIENT : SQLITE_STATIC;
    int wanted = sqlite3_bind_parameter_count(statement);
    if (wanted != static_cast<int>(job.args.size()))
        throw DatabaseError(
            "sqlite: the statement has " + std::to_string(wanted) +
            (wanted == 1 ? " placeholder, " : " placeholders, ") + std::to_string(job.args.size()) +
            (job.args.size() == 1 ? " value was given: " : " values were given: ") + job.sql);
    for (int i = 0; i < wanted; ++i) {
        const SqlValue& value = job.args[static_cast<std::size_t>(i)];
        int code = SQLITE_OK;
        if (auto* v = std::get_if<std::int64_t>(&value)) {
            code = sqlite3_bind_int64(statement, i + 1, *v);
        } else if (auto* v = std::get_if<double>(&value)) {
            code = sqlite3_bind_double(statement, i + 1, *v);
        } else if (auto* v = std::get_if<std::string>(&value)) {
            code =
                sqlite3_bind_text64(statement, i + 1, v->data(), v->size(), lifetime, SQLITE_UTF8);
        } else if (auto* v = std::get_if<Blob>(&value)) {
            code =
                sqlite3_bind_blob64(statement, i + 1, v->bytes.data(), v->bytes.size(), lifetime);
        } else {
            code = sqlite3_bind_null(statement, i + 1);
        }
        if (code != SQLITE_OK) fail(code, job.sql);
    }
}

bool SqliteConnection::read_rows(sqlite3_stmt* statement, const std::string& sql, std::size_t limit,
                                 std::shared_ptr<std::vector<std::string>>& columns,
                                 std::vector<Row>& rows) {
    for (std::size_t read = 0; read < limit;) {
        int code = sqlite3_step(statement);
        if (code == SQLITE_DONE) return true;
        if (code != SQLITE_ROW) fail(code, sql);
        int count = sqlite3_column_count(statement);
        if (!columns) {
            columns = std::make_shared<std::vector<std::string>>();
            for (int c = 0; c < count; ++c)
                columns->emplace_back(sqlite3_column_name(statement, c));
        }
        std::vector<SqlValue> values;
        values.reserve(static_cast<std::size_t>(count));
        for (int c = 0; c < count; ++c) {
            switch (sqlite3_column_type(statement, c)) {
                case SQLITE_INTEGER:
                    values.emplace_back(
                        static_cast<std::int64_t>(sqlite3_column_int64(statement, c)));
                    break;
                case SQLITE_FLOAT:
                    values.emplace_back(sqlite3_column_double(statement, c));
                    break;
                case SQLITE_TEXT: {
                    auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, c));
                    values.emplace_back(std::string(
                        text, static_cast<std::size_t>(sqlite3_column_bytes(statement, c))));
                    break;
                }
                case SQLITE_BLOB: {
                    auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, c));
                    std::size_t size = static_cast<std::size_t>(sqlite3_column_bytes(statement, c));
                    values.emplace_back(Blob{std::string(bytes ? bytes : "", size)});
                    break;
                }
                default:
                    values.emplace_back(nullptr);
            }
        }
        rows.emplace_back(columns, std::move(values));
        ++read;
    }
    return false;
}

}  // namespace vial::detail
