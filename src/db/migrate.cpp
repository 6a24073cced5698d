#include <vial/migrate.hpp>

#include <vial/cancel.hpp>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "sql_text.hpp"

namespace vial {

namespace {

struct Migration {
    std::string name;
    std::filesystem::path path;
};

// The .sql files of `directory` by version (their leading digits).
std::map<std::int64_t, Migration> migrations_in(const std::string& directory) {
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error))
        throw DatabaseError("migrations: no directory '" + directory + "'");
    std::map<std::int64_t, Migration> found;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
        std::string name = entry.path().filename().string();
        std::size_t digits = 0;
        while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits])))
            ++digits;
        if (digits == 0 || digits > 18)
            throw DatabaseError("migrations: '" + name +
                                "' does not start with its version number (0001_name.sql)");
        std::int64_t version = std::stoll(name.substr(0, digits));
        auto [at, fresh] = found.emplace(version, Migration{name, entry.path()});
        if (!fresh)
            throw DatabaseError("migrations: '" + at->second.name + "' and '" + name +
                                "' have the same version " + std::to_string(version));
    }
    return found;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DatabaseError("migrations: cannot read '" + path.string() + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A file's own BEGIN/COMMIT would end the transaction vial runs it in, and with it the
// promise that a failing file leaves nothing behind.
void refuse_transaction_control(const std::string& file,
                                const std::vector<std::string>& statements) {
    for (const std::string& statement : statements) {
        std::size_t start = 0;
        while (start < statement.size() &&
               std::isspace(static_cast<unsigned char>(statement[start])))
            ++start;
        std::size_t end = start;
        while (end < statement.size() && std::isalpha(static_cast<unsigned char>(statement[end])))
            ++end;
        std::string word = statement.substr(start, end - start);
        for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        for (const char* control :
             {"BEGIN", "COMMIT", "ROLLBACK", "END", "START", "SAVEPOINT", "RELEASE", "ABORT"}) {
            if (word == control)
                throw DatabaseError("migrations: " + file + " has " + word +
                                    ": each file already runs in a transaction of its own; "
                                    "leave transaction control out");
        }
    }
}

std::string utc_now() {
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// Applies one migration in a transaction with its record; false when another process
// applied it meanwhile. A failure is a DatabaseError naming the file (nothing of it kept).
Task<bool> apply_migration(Database& db, std::int64_t version, const Migration& migration) {
    std::vector<std::string> statements = detail::split_statements(read_file(migration.path));
    refuse_transaction_control(migration.name, statements);
    std::exception_ptr failure;
    bool skipped = false;  // another process applied it meanwhile
    try {
        std::string when = utc_now();
        bool postgres = db.backend() == "postgresql";
        auto body = [&](Transaction& tx) -> Task<void> {
            // Another process may be migrating too: on PostgreSQL one at a time (a
            // transaction-scoped lock; SQLite's BEGIN IMMEDIATE already serialises),
            // then the version is looked at again.
            if (postgres) {
                Task<std::vector<Row>> lock =
                    tx.query("SELECT pg_advisory_xact_lock(8402771902371)");
                co_await std::move(lock);
            }
            Task<std::optional<Row>> again =
                tx.query_one("SELECT 1 FROM vial_migrations WHERE version = ?", version);
            if (co_await std::move(again)) {
                skipped = true;
                co_return;
            }
            for (const std::string& statement : statements) co_await tx.execute(statement);
            Task<ExecResult> record = tx.execute(
                "INSERT INTO vial_migrations (version, name, applied_at) VALUES (?, ?, ?)", version,
                migration.name, when);
            co_await std::move(record);
        };
        Task<void> run = db.transaction(body);
        co_await std::move(run);
    } catch (const Cancelled&) {
        throw;
    } catch (const std::exception&) {
        failure = std::current_exception();
    }
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            throw DatabaseError("migrations: " + migration.name +
                                " failed (nothing of it "
                                "was kept): " +
                                e.what());
        }
    }
    co_return !skipped;
}

}  // namespace

Task<std::vector<std::string>> migrate(Database& db, std::string directory) {
    std::map<std::int64_t, Migration> files = migrations_in(directory);
    // Tasks named before they are awaited: temporaries in a co_await expression trip
    // g++ 12 (docs/async.md).
    Task<ExecResult> create = db.execute(
        "CREATE TABLE IF NOT EXISTS vial_migrations (version BIGINT PRIMARY KEY, name TEXT NOT "
        "NULL, applied_at TEXT NOT NULL)");
    co_await std::move(create);
    Task<std::vector<Row>> versions = db.query("SELECT version FROM vial_migrations");
    std::vector<Row> done = co_await std::move(versions);
    std::set<std::int64_t> applied_before;
    for (const Row& row : done) applied_before.insert(row.get<std::int64_t>(0));
    std::vector<std::string> applied;
    std::int64_t newest = applied_before.empty() ? -1 : *applied_before.rbegin();
    for (const auto& [version, migration] : files) {
        if (applied_before.contains(version)) continue;
        // A file numbered below one already applied was written against an older schema:
        // refused, not slipped in late.
        if (version < newest)
            throw DatabaseError("migrations: " + migration.name +
                                " is older than the newest applied migration (version " +
                                std::to_string(newest) + "); give it a higher number to apply it");
        Task<bool> apply = apply_migration(db, version, migration);
        if (co_await std::move(apply)) applied.push_back(migration.name);
    }
    co_return applied;
}

}  // namespace vial
