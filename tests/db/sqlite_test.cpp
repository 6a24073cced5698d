// vial::Database on SQLite: every type round trip, typed access and its errors, bound
// values stored verbatim (injection attempts included), typed errors naming the SQL but
// never the values, a file created on first use, queries off the loop, cancellation.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <unistd.h>

#include <boost/json/serialize.hpp>

#include <filesystem>
#include <limits>

#include "db/stream_reading.hpp"
#include "support/message_of.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

class SqliteTest : public ::testing::Test {
  protected:
    SqliteTest() {
        run_sync(
            db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, "
                       "b BLOB, n INTEGER NOT NULL DEFAULT 0 CHECK (n >= 0))"));
    }
    Database db{"sqlite://:memory:"};
};

TEST_F(SqliteTest, EveryTypeRoundTrips) {
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    std::string text("caf\xc3\xa9 \0 nul", 11);
    Blob bytes{std::string("\x00\xff\x01", 3)};
    ExecResult first = run_sync(
        db.execute("INSERT INTO t (i, r, s, b) VALUES (?, ?, ?, ?)", kMin, 0.1, text, bytes));
    EXPECT_EQ(first.rows_affected, 1);
    EXPECT_EQ(first.last_insert_id, 1);
    run_sync(db.execute("INSERT INTO t (i, r, s, b) VALUES (?, ?, ?, ?)", kMax, -1e300, nullptr,
                        std::optional<std::string>{}));

    std::vector<Row> rows = run_sync(db.query("SELECT id, i, r, s, b FROM t ORDER BY id"));
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].get<std::int64_t>("i"), kMin);
    EXPECT_EQ(rows[0].get<double>("r"), 0.1);
    EXPECT_EQ(rows[0].get<std::string>("s"), text);
    EXPECT_EQ(rows[0].get<Blob>("b"), bytes);
    EXPECT_EQ(rows[1].get<std::int64_t>(1), kMax);
    EXPECT_EQ(rows[1].get<double>(2), -1e300);
    EXPECT_EQ(rows[1].get<std::optional<std::string>>("s"), std::nullopt);
    EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(rows[1]["b"]));
    EXPECT_EQ(rows[0].columns(), (std::vector<std::string>{"id", "i", "r", "s", "b"}));
}

TEST_F(SqliteTest, TypedAccessErrorsNameTheColumnAndTypes) {
    run_sync(db.execute("INSERT INTO t (i, s) VALUES (?, ?)", 300, "text"));
    Row row = *run_sync(db.query_one("SELECT i, s, r FROM t"));
    EXPECT_EQ(message_of<DatabaseError>([&] { row.get<std::int64_t>("s"); }),
              "column 's' is TEXT, not an integer");
    EXPECT_EQ(message_of<DatabaseError>([&] { row.get<double>("r"); }),
              "column 'r' is NULL, not a number");
    EXPECT_NE(message_of<DatabaseError>([&] { row.get<std::int8_t>("i"); }).find("range"),
              std::string::npos);
    EXPECT_NE(message_of<DatabaseError>([&] { row.get<int>("missing"); }).find("has: i, s, r"),
              std::string::npos);
    EXPECT_EQ(row.get<int>("i"), 300);
    EXPECT_EQ(row.get<bool>("i"), true);
}

// A value read from a row binds back as it was; an unsigned value beyond SQL's signed
// 64-bit integers is refused (without quoting it), never wrapped to a negative number.
TEST_F(SqliteTest, RowValuesBindBackAndHugeUnsignedValuesAreRefused) {
    run_sync(db.execute("INSERT INTO t (i, s) VALUES (?, ?)", 41, "forty-one"));
    Row row = *run_sync(db.query_one("SELECT i, s FROM t"));
    EXPECT_EQ(run_sync(db.query_value<std::string>("SELECT s FROM t WHERE i = ?", row["i"])),
              "forty-one");
    EXPECT_EQ(run_sync(db.query_value<std::int64_t>("SELECT i FROM t WHERE s = ?", row[1])), 41);
    std::uint64_t fits = 9223372036854775807ULL;
    EXPECT_EQ(run_sync(db.query_value<std::int64_t>("SELECT ?", fits)),
              std::numeric_limits<std::int64_t>::max());
    std::string refused;
    try {
        run_sync(db.query_value<std::int64_t>("SELECT ?", std::uint64_t(-1)));
    } catch (const DatabaseError& e) {
        refused = e.what();
    }
    EXPECT_NE(refused.find("2^63 - 1"), std::string::npos) << refused;
    EXPECT_EQ(refused.find("18446744073709551615"), std::string::npos) << refused;
}

TEST_F(SqliteTest, QueryOneQueryValueAndJson) {
    EXPECT_FALSE(run_sync(db.query_one("SELECT * FROM t")).has_value());
    run_sync(db.execute("INSERT INTO t (i, s) VALUES (1, 'a'), (2, 'b')"));
    EXPECT_EQ(run_sync(db.query_value<std::int64_t>("SELECT count(*) FROM t")), 2);
    EXPECT_EQ(run_sync(db.query_value<std::string>("SELECT s FROM t WHERE i = ?", 2)), "b");
    EXPECT_THROW(run_sync(db.query_value<int>("SELECT i FROM t WHERE i = 99")), DatabaseError);
    Json json = rows_to_json(run_sync(db.query("SELECT i, s, r FROM t ORDER BY i")));
    EXPECT_EQ(boost::json::serialize(json),
              R"([{"i":1,"s":"a","r":null},{"i":2,"s":"b","r":null}])");
}

// Values are bound, never spliced: what looks like SQL is stored as it came.
TEST_F(SqliteTest, InjectionAttemptsAreStoredVerbatim) {
    std::string evil = "x'); DROP TABLE t; --";
    run_sync(db.execute("INSERT INTO t (s) VALUES (?)", evil));
    EXPECT_EQ(run_sync(db.query_value<std::string>("SELECT s FROM t")), evil);
    EXPECT_EQ(run_sync(db.query_value<int>("SELECT count(*) FROM t WHERE s = ?", "' OR 1=1 --")),
              0);
}

TEST_F(SqliteTest, ErrorsAreTypedAndNameTheSqlNotTheValues) {
    std::string syntax = message_of<DatabaseError>([&] { run_sync(db.query("SELEC 1")); });
    EXPECT_NE(syntax.find("sqlite: "), std::string::npos) << syntax;
    EXPECT_NE(syntax.find("in: SELEC 1"), std::string::npos) << syntax;
    std::string check = message_of<ConstraintError>(
        [&] { run_sync(db.execute("INSERT INTO t (n) VALUES (?)", -5)); });
    EXPECT_NE(check.find("CHECK constraint failed"), std::string::npos) << check;
    std::string secret = "hunter2-secret";
    std::string unique = message_of<ConstraintError>([&] {
        run_sync(db.execute("INSERT INTO t (id, s) VALUES (1, ?)", secret));
        run_sync(db.execute("INSERT INTO t (id, s) VALUES (1, ?)", secret));
    });
    EXPECT_NE(unique.find("UNIQUE"), std::string::npos) << unique;
    EXPECT_EQ(unique.find(secret), std::string::npos) << "a bound value leaked into the message";
    EXPECT_NE(message_of<DatabaseError>([&] {
                  run_sync(db.query("SELECT ?", 1, 2));
              }).find("1 placeholder, 2 values"),
              std::string::npos);
    EXPECT_NE(message_of<DatabaseError>([&] {
                  run_sync(db.query("SELECT 1; SELECT 2"));
              }).find("one statement at a time"),
              std::string::npos);
    EXPECT_NE(message_of<DatabaseError>([] {
                  Database other("mysql://u:pw@h/db");
              }).find("unsupported database URL scheme 'mysql'"),
              std::string::npos);
    EXPECT_THROW(run_sync(db.query("SELEKT 1")), SqlSyntaxError);
    EXPECT_NE(message_of<DatabaseError>([] {
                  Database other("sqlite:/tmp/x.db");
              }).find("is not a SQLite URL: use sqlite:///absolute/path.db"),
              std::string::npos);
    EXPECT_NE(message_of<DatabaseError>([] { Database other(""); }).find("URL is empty"),
              std::string::npos);
}

TEST(SqliteFile, CreatedOnFirstUseAndKeptAcrossConnections) {
    auto path =
        std::filesystem::temp_directory_path() / ("vial-db-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    {
        Database db("sqlite://" + path.string());
        run_sync(db.execute("CREATE TABLE notes (body TEXT)"));
        run_sync(db.execute("INSERT INTO notes VALUES (?)", "kept"));
    }
    EXPECT_TRUE(std::filesystem::exists(path));
    {
        Database again("sqlite://" + path.string());
        EXPECT_EQ(run_sync(again.query_value<std::string>("SELECT body FROM notes")), "kept");
        EXPECT_EQ(run_sync(again.query_value<std::string>("PRAGMA journal_mode")), "wal");
    }
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
    EXPECT_THROW(Database("sqlite:///no/such/dir/x.db"), DatabaseError);
}

// A query that would run for minutes is interrupted when its await is cancelled; the
// connection then serves the next query. The loop keeps turning meanwhile (a timer
// fires while the query runs).
TEST_F(SqliteTest, CancellationInterruptsARunningQuery) {
    std::string forever =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    auto started = std::chrono::steady_clock::now();
    bool ticked = false;
    auto tick = [&]() -> Task<void> {
        co_await vial::sleep(20ms);
        ticked = true;
    };
    EXPECT_THROW(run_sync(vial::timeout(150ms,
                                        [&]() -> Task<void> {
                                            auto [count, nothing] = co_await gather(
                                                db.query_value<std::int64_t>(forever), tick());
                                            (void)count;
                                        }())),
                 TimeoutError);
    EXPECT_TRUE(ticked) << "the loop was blocked by the query";
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_EQ(run_sync(db.query_value<int>("SELECT 41 + 1")), 42);
}

// Queries issued together from one loop all complete (in order on the connection).
TEST_F(SqliteTest, ConcurrentQueriesFromOneLoop) {
    auto [a, b, c] = run_sync(gather(db.query_value<int>("SELECT 1"),
                                     db.execute("INSERT INTO t (s) VALUES ('x')"),
                                     db.query_value<int>("SELECT 3")));
    EXPECT_EQ(a + c, 4);
    EXPECT_EQ(b.rows_affected, 1);
}

TEST_F(SqliteTest, TransactionsCommitRollBackAndNest) {
    run_sync([&]() -> Task<void> {
        co_await db.transaction([&](Transaction& tx) -> Task<void> {
            co_await tx.execute("INSERT INTO t (id, n) VALUES (1, 5)");
            co_await tx.execute("INSERT INTO t (id, n) VALUES (2, 5)");
        });
        EXPECT_EQ(co_await db.query_value<int>("SELECT count(*) FROM t"), 2);
        bool threw = false;
        try {
            co_await db.transaction([&](Transaction& tx) -> Task<void> {
                co_await tx.execute("UPDATE t SET n = n + 10 WHERE id = 1");
                co_await tx.execute("UPDATE t SET n = n - 10 WHERE id = 2");  // CHECK fails
            });
        } catch (const ConstraintError&) {
            threw = true;
        }
        EXPECT_TRUE(threw);
        EXPECT_EQ(co_await db.query_value<int>("SELECT n FROM t WHERE id = 1"), 5);
        int sum = co_await db.transaction([&](Transaction& tx) -> Task<int> {
            co_await tx.execute("UPDATE t SET n = 1 WHERE id = 1");
            try {
                co_await tx.transaction([&](Transaction& inner) -> Task<void> {
                    co_await inner.execute("UPDATE t SET n = 100 WHERE id = 2");
                    throw std::runtime_error("the inner part fails");
                });
            } catch (const std::runtime_error&) {
            }
            co_return co_await tx.query_value<int>("SELECT sum(n) FROM t");
        });
        EXPECT_EQ(sum, 6);
        EXPECT_EQ(co_await db.query_value<int>("SELECT sum(n) FROM t"), 6);
    }());
}

// A transaction cancelled mid-way (its statement interrupted) is rolled back, and the
// connection it held serves the next caller; queries from others waited meanwhile.
TEST_F(SqliteTest, ACancelledTransactionRollsBack) {
    std::string forever =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    run_sync([&]() -> Task<void> {
        bool timed_out = false;
        try {
            co_await vial::timeout(150ms, db.transaction([&](Transaction& tx) -> Task<void> {
                co_await tx.execute("INSERT INTO t (id) VALUES (7)");
                co_await tx.query_value<std::int64_t>(forever);
            }));
        } catch (const TimeoutError&) {
            timed_out = true;
        }
        EXPECT_TRUE(timed_out);
        EXPECT_EQ(co_await db.query_value<int>("SELECT count(*) FROM t"), 0);
        co_await db.execute("INSERT INTO t (id) VALUES (8)");
        EXPECT_EQ(co_await db.query_value<int>("SELECT count(*) FROM t"), 1);
    }());
}

TEST_F(SqliteTest, ManyStatementsRunAsOneJob) {
    run_sync([&]() -> Task<void> {
        std::vector<std::vector<SqlValue>> rows;
        for (int i = 1; i <= 50; ++i) rows.push_back({SqlValue(std::int64_t{i})});
        auto inserted = co_await db.execute_many("INSERT INTO t (id) VALUES (?)", std::move(rows));
        EXPECT_EQ(inserted.size(), 50u);
        EXPECT_EQ(inserted.back().last_insert_id, 50);
        std::vector<std::vector<SqlValue>> keys{{SqlValue(std::int64_t{3})},
                                                {SqlValue(std::int64_t{99})}};
        auto found = co_await db.query_many("SELECT id FROM t WHERE id = ?", std::move(keys));
        EXPECT_EQ(found.at(0).at(0).get<int>(0), 3);
        EXPECT_TRUE(found.at(1).empty());
        std::vector<std::vector<SqlValue>> mixed{{SqlValue(std::int64_t{60})},
                                                 {SqlValue(std::int64_t{3})},
                                                 {SqlValue(std::int64_t{61})}};
        bool refused = false;
        try {
            co_await db.execute_many("INSERT INTO t (id) VALUES (?)", std::move(mixed));
        } catch (const ConstraintError&) {
            refused = true;
        }
        EXPECT_TRUE(refused);
        EXPECT_EQ(co_await db.query_value<int>("SELECT count(*) FROM t"), 52);
    }());
}

// A query on the Database (not the Transaction) inside db.transaction would wait for the
// writer forever: it fails after pool_timeout instead.
// db.stream reads a batch at a time: a billion-row series yields its first rows at once
// and can be dropped half read; the writer then serves other statements again. A stream
// read to its end says so from then on; an error mid-way is thrown by next(), and one
// in the SQL by stream() itself.
TEST_F(SqliteTest, StreamsReadABatchAtATime) {
    run_sync([&]() -> Task<void> {
        {
            RowStream series = co_await db.stream(
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s LIMIT "
                "1000000000) SELECT n, 'row ' || n AS label FROM s WHERE n > ?",
                0);
            EXPECT_EQ(co_await read_series(series, 1000), 1000);
            // A moved-from stream is an ended one.
            RowStream taken = std::move(series);
            EXPECT_EQ(co_await series.next(), std::nullopt);
            EXPECT_EQ((co_await taken.next())->get<std::int64_t>("n"), 1001);
        }
        co_await db.execute("INSERT INTO t (i) VALUES (?)", 7);
        co_await db.execute("INSERT INTO t (i) VALUES (?)", 8);
        RowStream all = co_await db.stream_values("SELECT i FROM t ORDER BY i", {}, 1);
        std::vector<std::int64_t> seen;
        while (std::optional<Row> row = co_await all.next())
            seen.push_back(row->get<std::int64_t>(0));
        EXPECT_EQ(seen, (std::vector<std::int64_t>{7, 8}));
        EXPECT_EQ(co_await all.next(), std::nullopt);

        RowStream failing = co_await db.stream_values(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s LIMIT 1000) "
            "SELECT CASE WHEN n < 450 THEN n ELSE json('not json') END FROM s",
            {}, 100);
        ReadUntilError failed = co_await read_until_error(failing);
        EXPECT_EQ(failed.rows, 400);  // four whole batches; the fifth failed
        EXPECT_NE(failed.error.find("malformed JSON"), std::string::npos) << failed.error;
        EXPECT_EQ(co_await failing.next(), std::nullopt);
        EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT count(*) FROM t"), 2);

        std::string refused;
        try {
            co_await db.stream("SELEC i FROM t");
        } catch (const SqlSyntaxError& e) {
            refused = e.what();
        }
        EXPECT_NE(refused.find("SELEC i FROM t"), std::string::npos) << refused;
        co_await db.execute("INSERT INTO t (i) VALUES (9)");
    }());
}

TEST(SqliteFile, AQueryWaitingOnItsOwnTransactionTimesOut) {
    Database db{"sqlite://:memory:", DatabaseOptions{.pool_timeout = 200ms}};
    run_sync(db.execute("CREATE TABLE t (x INTEGER)"));
    EXPECT_THROW(run_sync(db.transaction([&](Transaction& tx) -> Task<void> {
                     co_await tx.execute("INSERT INTO t VALUES (1)");
                     co_await db.execute("INSERT INTO t VALUES (2)");  // the mistake
                 })),
                 DatabasePoolTimeout);
    EXPECT_EQ(run_sync(db.query_value<int>("SELECT count(*) FROM t")), 0);
}

// Two Databases (two connections) writing one file at once: SQLite's busy timeout makes
// the second wait for the first's write lock, and every write lands.
TEST(SqliteFile, ConcurrentWritersWaitForTheLock) {
    auto path = std::filesystem::temp_directory_path() /
                ("vial-busy-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    {
        Database a("sqlite://" + path.string()), b("sqlite://" + path.string());
        run_sync(a.execute("CREATE TABLE hits (who TEXT)"));
        auto writer = [](Database& db, std::string who) -> Task<void> {
            for (int i = 0; i < 50; ++i) {
                co_await db.transaction([&](Transaction& tx) -> Task<void> {
                    co_await tx.execute("INSERT INTO hits VALUES (?)", who);
                    co_await tx.execute("INSERT INTO hits VALUES (?)", who);
                });
            }
        };
        run_sync([&]() -> Task<void> {
            auto one = writer(a, "a");
            auto two = writer(b, "b");
            co_await gather(std::move(one), std::move(two));
        }());
        EXPECT_EQ(run_sync(a.query_value<int>("SELECT count(*) FROM hits")), 200);
    }
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

// On a file, SELECTs run on reader connections: a writer's open transaction neither
// blocks them nor shows them its uncommitted rows, and a long read never holds up a
// write. A WITH ... INSERT, which starts like a read, still goes to the writer.
// On a file database a stream of a SELECT reads on a reader of its own: writes and
// other reads go on while it is open, and it reads the snapshot it started with. With
// every reader held by a stream, other reads still run (on the writer).
TEST(SqliteFile, StreamsReadOnAReaderAndHoldNobodyElse) {
    auto path = std::filesystem::temp_directory_path() /
                ("vial-streams-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    {
        Database db("sqlite://" + path.string(),
                    DatabaseOptions{.pool_timeout = 3000ms, .sqlite_readers = 2});
        run_sync([&]() -> Task<void> {
            co_await db.execute("CREATE TABLE t (x INTEGER)");
            co_await db.execute(
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s LIMIT 1000) "
                "INSERT INTO t SELECT n FROM s");
            RowStream first = co_await db.stream_values("SELECT x FROM t ORDER BY x", {}, 10);
            EXPECT_EQ((co_await first.next())->get<std::int64_t>(0), 1);
            auto started = std::chrono::steady_clock::now();
            co_await db.execute("INSERT INTO t VALUES (1001)");
            EXPECT_LT(std::chrono::steady_clock::now() - started, 1000ms)
                << "the write waited for the stream";
            RowStream second = co_await db.stream_values("SELECT x FROM t ORDER BY x", {}, 10);
            EXPECT_EQ((co_await second.next())->get<std::int64_t>(0), 1);
            started = std::chrono::steady_clock::now();
            EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT count(*) FROM t"), 1001);
            EXPECT_LT(std::chrono::steady_clock::now() - started, 1000ms)
                << "the read waited for the streams";
            std::int64_t rows = 1, last = 0;
            while (std::optional<Row> row = co_await first.next()) {
                ++rows;
                last = row->get<std::int64_t>(0);
            }
            EXPECT_EQ(rows, 1000) << "the stream saw a row written after it started";
            EXPECT_EQ(last, 1000);
        }());
    }
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
}

TEST(SqliteFile, ReadsRunBesideTheWriter) {
    auto path = std::filesystem::temp_directory_path() /
                ("vial-readers-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    {
        Database db("sqlite://" + path.string());
        run_sync([&]() -> Task<void> {
            EXPECT_EQ((co_await db.pool_stats()).connections, 3u);
            co_await db.execute("CREATE TABLE t (x INTEGER)");
            co_await db.execute("WITH v(x) AS (VALUES (1)) INSERT INTO t SELECT x FROM v");
            // The writer's own state is read on the writer.
            EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT last_insert_rowid()"), 1);
            co_await db.execute("CREATE TEMP TABLE scratch (y INTEGER)");
            EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT count(*) FROM scratch"), 0);
            auto writer = [&]() -> Task<void> {
                co_await db.transaction([&](Transaction& tx) -> Task<void> {
                    co_await tx.execute("INSERT INTO t VALUES (2)");
                    co_await vial::sleep(400ms);
                });
            };
            std::chrono::steady_clock::duration read_took{};
            std::int64_t seen = 0;
            auto reader = [&]() -> Task<void> {
                co_await vial::sleep(50ms);
                auto started = std::chrono::steady_clock::now();
                seen = co_await db.query_value<std::int64_t>("SELECT count(*) FROM t");
                read_took = std::chrono::steady_clock::now() - started;
            };
            co_await gather(writer(), reader());
            EXPECT_EQ(seen, 1) << "a reader saw an uncommitted row";
            EXPECT_LT(read_took, 250ms) << "the read waited for the writer's transaction";
            EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT count(*) FROM t"), 2);

            std::string forever =
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                "SELECT count(*) FROM c";
            auto long_read = [&]() -> Task<void> {
                try {
                    co_await vial::timeout(400ms, db.query_value<std::int64_t>(forever));
                } catch (const TimeoutError&) {
                }
            };
            std::chrono::steady_clock::duration write_took{};
            auto write = [&]() -> Task<void> {
                co_await vial::sleep(50ms);
                auto started = std::chrono::steady_clock::now();
                co_await db.execute("INSERT INTO t VALUES (3)");
                write_took = std::chrono::steady_clock::now() - started;
            };
            co_await gather(long_read(), write());
            EXPECT_LT(write_took, 250ms) << "the write waited for a long read";
        }());
    }
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

}  // namespace
}  // namespace vial::testing
