// vial::Database on a real PostgreSQL 15 (started by the test, see postgres_server.hpp):
// types both ways, typed errors that name the SQL and never the values, `?` translated,
// pipelining, overlapping queries on one loop, cancellation with a cancel request the
// server sees, a restarted server and a killed backend healed, pool exhaustion,
// connection and authentication failures, one pool per loop.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <thread>

#include "db/postgres_server.hpp"
#include "db/stream_reading.hpp"
#include "showcase.hpp"
#include "support/message_of.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

class PostgresTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server = new PostgresServer(); }
    static void TearDownTestSuite() {
        delete server;
        server = nullptr;
    }
    static PostgresServer* server;

    // Statements the server is running now that contain `text` (other than this probe).
    static int running_like(const std::string& text) {
        return std::stoi(server->admin(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%" +
            text + "%' AND query NOT LIKE '%pg_stat_activity%'"));
    }
};
PostgresServer* PostgresTest::server = nullptr;

TEST_F(PostgresTest, EveryTypeRoundTrips) {
    Database db{server->url()};
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    run_sync([&]() -> Task<void> {
        co_await db.execute(
            "CREATE TABLE types (id serial PRIMARY KEY, i bigint, s smallint, f float8, "
            "t text, b bytea, j jsonb, ok boolean, n numeric)");
        Blob bytes{std::string("\x00\xff\x01\\x", 5)};
        co_await db.execute(
            "INSERT INTO types (i, s, f, t, b, j, ok, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", kMin,
            -32768, 0.1, std::string("caf\xc3\xa9 \xe2\x82\xac"), bytes, "{\"a\": [1, 2]}", true,
            "12345678901234567890.5");
        co_await db.execute("INSERT INTO types (i, f, t, b, j, ok) VALUES (?, ?, ?, ?, ?, ?)", kMax,
                            -1e300, nullptr, std::nullopt, nullptr, false);
        std::vector<Row> rows = co_await db.query("SELECT * FROM types ORDER BY id");
        EXPECT_EQ(rows.size(), 2u);
        EXPECT_EQ(rows[0].get<std::int64_t>("i"), kMin);
        EXPECT_EQ(rows[0].get<int>("s"), -32768);
        EXPECT_DOUBLE_EQ(rows[0].get<double>("f"), 0.1);
        EXPECT_EQ(rows[0].get<std::string>("t"), "caf\xc3\xa9 \xe2\x82\xac");
        EXPECT_EQ(rows[0].get<Blob>("b"), bytes);
        EXPECT_EQ(rows[0].get<std::string>("j"), "{\"a\": [1, 2]}");
        EXPECT_TRUE(rows[0].get<bool>("ok"));
        EXPECT_EQ(rows[0].get<std::string>("n"), "12345678901234567890.5");
        EXPECT_EQ(rows[1].get<std::int64_t>("i"), kMax);
        EXPECT_DOUBLE_EQ(rows[1].get<double>("f"), -1e300);
        EXPECT_EQ(rows[1].get<std::optional<std::string>>("t"), std::nullopt);
        EXPECT_EQ(rows[1].get<std::optional<Blob>>("b"), std::nullopt);
        EXPECT_FALSE(rows[1].get<bool>("ok"));
        EXPECT_EQ(boost::json::serialize(rows_to_json(rows).as_array()[1].at("ok")), "0");
        // Text cannot hold NUL in PostgreSQL: refused, never cut short.
        std::string with_nul("a\0b", 3);
        std::string refused;
        try {
            co_await db.execute("INSERT INTO types (t) VALUES (?)", with_nul);
        } catch (const DatabaseError& e) {
            refused = e.what();
        }
        EXPECT_NE(refused.find("NUL"), std::string::npos) << refused;
        EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT count(*) FROM types"), 2);
    }());
}

// A prepared statement whose columns all have a binary form vial reads asks for binary
// results from its second run on: the values are the same as the first run's, and floats
// are exact even when the session rounds its text output (extra_float_digits).
TEST_F(PostgresTest, BinaryResultsReadTheSameValuesAndFloatsExactly) {
    Database db{server->url(), DatabaseOptions{.max_connections = 1}};
    run_sync([&]() -> Task<void> {
        co_await db.execute("SET extra_float_digits = -14");  // text: 1 significant digit
        co_await db.execute(
            "CREATE TABLE bin (id int PRIMARY KEY, s smallint, i int, l bigint, f4 real, "
            "f8 float8, ok boolean, b bytea, t text, v varchar(10), c char(4), j json, o oid)");
        constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
        Blob bytes{std::string("\x00\xff\x00", 3)};  // named: g++ 12, docs/async.md
        std::string cafe = "caf\xc3\xa9";
        co_await db.execute(
            "INSERT INTO bin VALUES (1, -32768, -2147483648, ?, 1.5, ?, true, ?, ?, "
            "'v', 'ab', '[1, \"x\"]', 4294967295)",
            kMin, 0.123456789, bytes, cafe);
        co_await db.execute(
            "INSERT INTO bin VALUES (2, 32767, 2147483647, 9223372036854775807, '-Infinity', "
            "'NaN', false, '', '', '', '', 'null', 0), "
            "(3, NULL, NULL, NULL, NULL, '-0', NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
        const std::string select = "SELECT * FROM bin WHERE id >= ? ORDER BY id";
        std::vector<Row> text = co_await db.query(select, 1);
        std::vector<Row> binary = co_await db.query(select, 1);
        EXPECT_EQ(text.size(), 3u);
        EXPECT_EQ(binary.size(), 3u);
        EXPECT_EQ(binary[0].get<int>("s"), -32768);
        EXPECT_EQ(binary[0].get<std::int64_t>("i"), -2147483648LL);
        EXPECT_EQ(binary[0].get<std::int64_t>("l"), kMin);
        EXPECT_EQ(binary[0].get<double>("f4"), 1.5);
        EXPECT_EQ(binary[0].get<double>("f8"), 0.123456789) << "not read as binary";
        EXPECT_NEAR(text[0].get<double>("f8"), 0.1, 0.005);  // rounded by the session
        EXPECT_TRUE(binary[0].get<bool>("ok"));
        EXPECT_EQ(binary[0].get<Blob>("b").bytes, std::string("\x00\xff\x00", 3));
        EXPECT_EQ(binary[0].get<std::string>("t"), "caf\xc3\xa9");
        EXPECT_EQ(binary[0].get<std::string>("c"), "ab  ");
        EXPECT_EQ(binary[0].get<std::string>("j"), "[1, \"x\"]");
        EXPECT_EQ(binary[0].get<std::int64_t>("o"), 4294967295LL);
        EXPECT_EQ(binary[1].get<std::int64_t>("l"), std::numeric_limits<std::int64_t>::max());
        EXPECT_EQ(binary[1].get<double>("f4"), -std::numeric_limits<double>::infinity());
        EXPECT_TRUE(std::isnan(binary[1].get<double>("f8")));
        EXPECT_FALSE(binary[1].get<bool>("ok"));
        EXPECT_EQ(binary[1].get<Blob>("b").bytes, "");
        EXPECT_TRUE(std::signbit(binary[2].get<double>("f8")));
        EXPECT_EQ(binary[2].get<std::optional<std::int64_t>>("i"), std::nullopt);
        EXPECT_EQ(binary[2].get<std::optional<Blob>>("b"), std::nullopt);
        // Everything but the rounded floats reads the same both ways.
        for (std::size_t r = 0; r < 3; ++r) {
            for (const char* column : {"id", "s", "i", "l", "ok", "b", "t", "v", "c", "j", "o"})
                EXPECT_EQ(text[r][column], binary[r][column]) << "row " << r << " " << column;
        }
        // numeric has no binary form vial reads: such a statement stays text, exact digits.
        for (int run = 0; run < 2; ++run)
            EXPECT_EQ(co_await db.query_value<std::string>("SELECT ?::numeric * 2", "0.5000000001"),
                      "1.0000000002");
    }());
}

// real (float4) reads the same in binary as in text: 0.1, not 0.10000000149011612. A
// statement whose columns depend on what it runs (a FETCH) stays text; a prepared
// statement the server forgot (DEALLOCATE ALL) is prepared anew.
TEST_F(PostgresTest, BinaryResultsStayConsistentAndSafe) {
    Database db{server->url(), DatabaseOptions{.max_connections = 1}};
    run_sync([&]() -> Task<void> {
        for (int run = 0; run < 3; ++run)
            EXPECT_EQ(co_await db.query_value<double>("SELECT ?::real, 1::int", 0.1), 0.1);
        std::string date = co_await db.transaction([&](Transaction& tx) -> Task<std::string> {
            co_await tx.execute("DECLARE c CURSOR FOR SELECT n FROM generate_series(1, 9) n");
            for (int run = 0; run < 3; ++run) co_await tx.query("FETCH 1 FROM c");
            co_await tx.execute("CLOSE c");
            co_await tx.execute("DECLARE c CURSOR FOR SELECT '2026-11-30'::date AS d");
            std::vector<Row> rows = co_await tx.query("FETCH 1 FROM c");
            co_return rows.at(0).get<std::string>("d");
        });
        EXPECT_EQ(date, "2026-11-30");
        for (int run = 0; run < 2; ++run)
            EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT ?::bigint + 1", 41), 42);
        co_await db.execute("DEALLOCATE ALL");
        EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT ?::bigint + 1", 41), 42);
    }());
}

TEST_F(PostgresTest, PlaceholdersAreNumberedOutsideLiteralsAndDollarWorks) {
    Database db{server->url()};
    run_sync([&]() -> Task<void> {
        auto row = co_await db.query_one(
            "SELECT ? AS a, '?' AS lit, \"?col\".x AS q, $$ ? $$ AS d, ? AS b "
            "FROM (SELECT 1 AS x) AS \"?col\" -- a comment?\n",
            "first", "second");
        EXPECT_TRUE(row.has_value());
        EXPECT_EQ(row->get<std::string>("a"), "first");
        EXPECT_EQ(row->get<std::string>("lit"), "?");
        EXPECT_EQ(row->get<std::string>("d"), " ? ");
        EXPECT_EQ(row->get<std::string>("b"), "second");
        EXPECT_EQ(co_await db.query_value<int>("SELECT $1::int + $2::int", 40, 2), 42);
    }());
}

TEST_F(PostgresTest, InjectionAttemptsAreStoredVerbatim) {
    Database db{server->url()};
    run_sync([&]() -> Task<void> {
        co_await db.execute("CREATE TABLE notes (body text)");
        std::string attack = "x'); DROP TABLE notes; --";
        co_await db.execute("INSERT INTO notes VALUES (?)", attack);
        EXPECT_EQ(co_await db.query_value<std::string>("SELECT body FROM notes"), attack);
    }());
}

TEST_F(PostgresTest, ErrorsAreTypedAndNameTheSqlNotTheValues) {
    Database db{server->url()};
    run_sync(db.execute("CREATE TABLE users (email text UNIQUE NOT NULL)"));
    run_sync(db.execute("INSERT INTO users VALUES (?)", "a@example.com"));
    std::string duplicate = message_of<ConstraintError>(
        [&] { run_sync(db.execute("INSERT INTO users VALUES (?)", "a@example.com")); });
    EXPECT_NE(duplicate.find("postgresql:"), std::string::npos) << duplicate;
    EXPECT_NE(duplicate.find("INSERT INTO users VALUES (?)"), std::string::npos) << duplicate;
    EXPECT_EQ(duplicate.find("a@example.com"), std::string::npos) << duplicate;
    std::string syntax =
        message_of<SqlSyntaxError>([&] { run_sync(db.query("SELEKT ?", "hunter2")); });
    EXPECT_NE(syntax.find("SELEKT"), std::string::npos) << syntax;
    EXPECT_EQ(syntax.find("hunter2"), std::string::npos) << syntax;
    EXPECT_NE(message_of<DatabaseError>([&] {
                  run_sync(db.query("SELECT * FROM nowhere"));
              }).find("nowhere"),
              std::string::npos);
    // The connection still serves after each error.
    EXPECT_EQ(run_sync(db.query_value<int>("SELECT 7")), 7);
    EXPECT_THROW(run_sync(db.query_value<int>("SELECT 1 WHERE false")), DatabaseError);
}

Task<void> record_backend(Database& db, std::set<std::int64_t>& pids) {
    pids.insert(co_await db.query_value<std::int64_t>("SELECT pg_backend_pid()"));
}

// The server's own statement timeout is a DatabaseError, not a cancellation, and is not
// run again; a bad value is refused without being quoted back; a statement with too many
// values fails alone.
TEST_F(PostgresTest, ServerSideFailuresStayTheirOwn) {
    Database db{server->url(), DatabaseOptions{.max_connections = 1}};
    run_sync([&]() -> Task<void> {
        std::string timeout;
        try {
            co_await db.transaction([&](Transaction& tx) -> Task<void> {
                co_await tx.execute("SET LOCAL statement_timeout = 50");
                co_await tx.execute("SELECT pg_sleep(2)");
            });
        } catch (const Cancelled&) {
            timeout = "a Cancelled";
        } catch (const DatabaseError& e) {
            timeout = e.what();
        }
        EXPECT_NE(timeout.find("57014"), std::string::npos) << timeout;
        std::string bad;
        try {
            co_await db.query_value<int>("SELECT ?::int", "secret-token-123");
        } catch (const DatabaseError& e) {
            bad = e.what();
        }
        EXPECT_NE(bad.find("22P02"), std::string::npos) << bad;
        EXPECT_EQ(bad.find("secret-token-123"), std::string::npos) << bad;
        std::vector<SqlValue> many(70000, SqlValue(std::int64_t{1}));
        std::string sql = "SELECT 1 WHERE 1 IN (?" + std::string(69999 * 2, ',') + ")";
        for (std::size_t i = 0; i < 69999; ++i) sql[sql.size() - 2 - 2 * i] = '?';
        bool refused = false;
        try {
            co_await db.query_values(sql, std::move(many));
        } catch (const DatabaseError& e) {
            refused = std::string(e.what()).find("65535") != std::string::npos;
        }
        EXPECT_TRUE(refused);
        EXPECT_EQ(co_await db.query_value<int>("SELECT 9"), 9);  // the connection is fine
    }());
}

// Three 100 ms sleeps from one loop overlap; with a single connection, fifty concurrent
// queries travel pipelined on it (one connection, many in flight).
TEST_F(PostgresTest, ConcurrentQueriesOverlapAndPipeline) {
    Database db{server->url()};
    run_sync([&]() -> Task<void> {
        co_await db.query_value<int>("SELECT 1");  // connected first
        auto started = std::chrono::steady_clock::now();
        co_await gather(db.execute("SELECT pg_sleep(0.1)"), db.execute("SELECT pg_sleep(0.1)"),
                        db.execute("SELECT pg_sleep(0.1)"));
        auto took = std::chrono::steady_clock::now() - started;
        EXPECT_LT(took, 280ms) << "the three sleeps did not overlap";
    }());
    Database single{server->url(), DatabaseOptions{.max_connections = 1}};
    run_sync([&]() -> Task<void> {
        TaskGroup group;
        std::set<std::int64_t> pids;
        for (int i = 0; i < 50; ++i) co_await group.start(record_backend(single, pids));
        co_await group.join();
        EXPECT_EQ(pids.size(), 1u);
        PoolStats stats = co_await single.pool_stats();
        EXPECT_EQ(stats.connections, 1u);
        EXPECT_GT(stats.deepest_pipeline, 10u) << "the queries were not pipelined";
    }());
}

// query_many / execute_many: one statement per set of values, all sent at once; each
// stands alone (one failing does not undo the others), and the first failure is thrown.
TEST_F(PostgresTest, ManyStatementsGoTogetherAndStandAlone) {
    Database db{server->url(), DatabaseOptions{.max_connections = 1}};
    run_sync([&]() -> Task<void> {
        co_await db.execute("CREATE TABLE kv (k int PRIMARY KEY, v text)");
        std::vector<std::vector<SqlValue>> rows;
        for (int i = 0; i < 100; ++i)
            rows.push_back({SqlValue(std::int64_t{i}), SqlValue("v" + std::to_string(i))});
        std::vector<ExecResult> inserted =
            co_await db.execute_many("INSERT INTO kv VALUES (?, ?)", std::move(rows));
        EXPECT_EQ(inserted.size(), 100u);
        EXPECT_EQ(inserted[99].rows_affected, 1);
        std::vector<std::vector<SqlValue>> keys{{SqlValue(std::int64_t{7})},
                                                {SqlValue(std::int64_t{1000})},
                                                {SqlValue(std::int64_t{42})}};
        auto found = co_await db.query_many("SELECT v FROM kv WHERE k = ?", std::move(keys));
        EXPECT_EQ(found.size(), 3u);
        EXPECT_EQ(found[0].at(0).get<std::string>(0), "v7");
        EXPECT_TRUE(found[1].empty());
        EXPECT_EQ(found[2].at(0).get<std::string>(0), "v42");
        PoolStats stats = co_await db.pool_stats();
        EXPECT_GE(stats.deepest_pipeline, 50u) << "the statements were not sent together";
        // The duplicate fails; the statements around it stay inserted.
        std::vector<std::vector<SqlValue>> mixed{{SqlValue(std::int64_t{200}), SqlValue("a")},
                                                 {SqlValue(std::int64_t{7}), SqlValue("dup")},
                                                 {SqlValue(std::int64_t{201}), SqlValue("b")}};
        bool refused = false;
        try {
            co_await db.execute_many("INSERT INTO kv VALUES (?, ?)", std::move(mixed));
        } catch (const ConstraintError&) {
            refused = true;
        }
        EXPECT_TRUE(refused);
        EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT count(*) FROM kv"), 102);
        std::vector<std::vector<SqlValue>> no_values;
        auto none = co_await db.query_many("SELECT 1", std::move(no_values));
        EXPECT_TRUE(none.empty());
    }());
}

// A query_many of a SELECT goes under one Sync: one implicit transaction on the server
// (its statements see one transaction start). When one of them fails, the batch is run
// again one statement at a time: the error thrown is the real one, and the others' side
// effects (here NOTIFYs, which a rolled-back batch would drop) happen exactly once.
TEST_F(PostgresTest, ABatchOfReadsSharesOneSyncAndStillStandsAlone) {
    Database db{server->url(), DatabaseOptions{.max_connections = 1}};
    run_sync([&]() -> Task<void> {
        std::vector<std::vector<SqlValue>> pauses(5, {SqlValue(0.002)});
        auto started = co_await db.query_many(
            "SELECT transaction_timestamp()::text AS t, pg_sleep(?)::text", std::move(pauses));
        EXPECT_EQ(started.size(), 5u);
        for (auto& rows : started)
            EXPECT_EQ(rows.at(0).get<std::string>("t"), started[0].at(0).get<std::string>("t"))
                << "the batch did not share one Sync";

        Listener heard = co_await db.listen("batch");
        std::vector<std::vector<SqlValue>> sends;
        for (int i : {1, 2, 0, 4}) sends.push_back({SqlValue(std::int64_t{i})});
        std::string error;
        try {
            co_await db.query_many("SELECT pg_notify('batch', (12 / ?)::text)", std::move(sends));
        } catch (const DatabaseError& e) {
            error = e.what();
        }
        EXPECT_NE(error.find("division by zero"), std::string::npos) << error;
        std::multiset<std::string> payloads;
        for (int i = 0; i < 3; ++i)
            payloads.insert((co_await vial::timeout(5s, heard.next())).payload);
        EXPECT_EQ(payloads, (std::multiset<std::string>{"12", "6", "3"}));
        bool more = true;
        try {
            co_await vial::timeout(200ms, heard.next());
        } catch (const TimeoutError&) {
            more = false;
        }
        EXPECT_FALSE(more) << "a statement of the failed batch ran twice";

        // In a transaction the batch's failure stands (the transaction is rolled back).
        co_await db.execute("CREATE TABLE seen (n int)");
        error.clear();
        try {
            co_await db.transaction([&](Transaction& tx) -> Task<void> {
                co_await tx.execute("INSERT INTO seen VALUES (1)");
                std::vector<std::vector<SqlValue>> divisors{{SqlValue(std::int64_t{3})},
                                                            {SqlValue(std::int64_t{0})},
                                                            {SqlValue(std::int64_t{4})}};
                co_await tx.query_many("SELECT 12 / ?", std::move(divisors));
            });
        } catch (const DatabaseError& e) {
            error = e.what();
        }
        EXPECT_NE(error.find("division by zero"), std::string::npos) << error;
        EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT count(*) FROM seen"), 0);
    }());
}

// A cancelled batch is cancelled on the server, and the connection serves the next query.
TEST_F(PostgresTest, ACancelledBatchLeavesTheConnectionUsable) {
    Database db{server->url(), DatabaseOptions{.max_connections = 1}};
    run_sync([&]() -> Task<void> {
        std::vector<std::vector<SqlValue>> naps(10, {SqlValue(std::int64_t{3})});
        auto started = std::chrono::steady_clock::now();
        bool timed_out = false;
        try {
            co_await vial::timeout(
                150ms, db.query_many("SELECT pg_sleep(?) /* batch-sleeper */", std::move(naps)));
        } catch (const TimeoutError&) {
            timed_out = true;
        }
        EXPECT_TRUE(timed_out);
        EXPECT_EQ(co_await db.query_value<int>("SELECT 41 + 1"), 42);
        EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms) << "the batch ran on";
    }());
    EXPECT_EQ(running_like("batch-sleeper"), 0);
}

// db.stream reads through a cursor a batch at a time: a billion-row series yields its
// first rows at once and can be dropped half read (the one connection then serves the
// next query); an error mid-way is thrown by next(), and one in the SQL by stream().
TEST_F(PostgresTest, StreamsReadABatchAtATimeThroughACursor) {
    Database db{server->url(), DatabaseOptions{.max_connections = 1}};
    run_sync([&]() -> Task<void> {
        {
            RowStream series = co_await db.stream(
                "SELECT n, 'row ' || n AS label, n * 0.5 AS half FROM "
                "(SELECT generate_series(1, 1000000000) AS n) s WHERE n > ?",
                0);
            EXPECT_EQ(co_await read_series(series, 1000), 1000);
        }
        EXPECT_EQ(co_await db.query_value<int>("SELECT 41 + 1"), 42);
        EXPECT_EQ(co_await db.query_value<std::int64_t>(
                      "SELECT count(*) FROM pg_cursors WHERE name = 'vial_rows'"),
                  0)
            << "the stream's cursor (and transaction) was not ended";

        RowStream failing = co_await db.stream_values(
            "SELECT 1 / (450 - n) FROM (SELECT generate_series(1, 1000) AS n) s", {}, 100);
        ReadUntilError seen = co_await read_until_error(failing);
        EXPECT_EQ(seen.rows, 400);  // four whole batches; the fifth failed
        EXPECT_NE(seen.error.find("division by zero"), std::string::npos) << seen.error;
        EXPECT_EQ(co_await failing.next(), std::nullopt);

        std::string refused;
        try {
            co_await db.stream("SELECT nothing FROM nowhere_at_all");
        } catch (const DatabaseError& e) {
            refused = e.what();
        }
        EXPECT_NE(refused.find("nowhere_at_all"), std::string::npos) << refused;
        EXPECT_EQ(co_await db.query_value<int>("SELECT 41 + 1"), 42);
    }());
}

// A cancelled view's statement is cancelled on the server too, and the (single)
// connection then serves the next statement.
TEST_F(PostgresTest, CancellationSendsACancelRequestAndTheConnectionIsReused) {
    Database db{server->url(), DatabaseOptions{.max_connections = 1}};
    run_sync([&]() -> Task<void> {
        auto pid = co_await db.query_value<std::int64_t>("SELECT pg_backend_pid()");
        auto started = std::chrono::steady_clock::now();
        bool timed_out = false;
        try {
            co_await vial::timeout(150ms, db.execute("SELECT pg_sleep(30) /* long-sleeper */"));
        } catch (const TimeoutError&) {
            timed_out = true;
        }
        EXPECT_TRUE(timed_out);
        EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
        EXPECT_EQ(co_await db.query_value<int>("SELECT 41 + 1"), 42);
        EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "the sleep ran on";
        EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT pg_backend_pid()"), pid);
    }());
    EXPECT_EQ(running_like("long-sleeper"), 0);
}

TEST_F(PostgresTest, TransactionsCommitAndRollBack) {
    Database db{server->url()};
    run_sync([&]() -> Task<void> {
        co_await db.execute(
            "CREATE TABLE accounts (id int PRIMARY KEY, cents int CHECK (cents >= 0))");
        co_await db.execute("INSERT INTO accounts VALUES (1, 100), (2, 0)");
        co_await db.transaction([&](Transaction& tx) -> Task<void> {
            co_await tx.execute("UPDATE accounts SET cents = cents - 30 WHERE id = 1");
            co_await tx.execute("UPDATE accounts SET cents = cents + 30 WHERE id = 2");
        });
        EXPECT_EQ(co_await db.query_value<int>("SELECT cents FROM accounts WHERE id = 2"), 30);
        bool threw = false;
        try {
            co_await db.transaction([&](Transaction& tx) -> Task<void> {
                co_await tx.execute("UPDATE accounts SET cents = cents + 500 WHERE id = 2");
                co_await tx.execute("UPDATE accounts SET cents = cents - 500 WHERE id = 1");
            });
        } catch (const ConstraintError&) {
            threw = true;
        }
        EXPECT_TRUE(threw);
        EXPECT_EQ(co_await db.query_value<int>("SELECT cents FROM accounts WHERE id = 2"), 30);
        // A value out of a transaction; a nested one is a savepoint.
        int total = co_await db.transaction([&](Transaction& tx) -> Task<int> {
            co_await tx.execute("UPDATE accounts SET cents = 1 WHERE id = 1");
            try {
                co_await tx.transaction([&](Transaction& inner) -> Task<void> {
                    co_await inner.execute("UPDATE accounts SET cents = 2 WHERE id = 2");
                    throw std::runtime_error("inner fails");
                });
            } catch (const std::runtime_error&) {
            }
            co_return co_await tx.query_value<int>("SELECT sum(cents)::int FROM accounts");
        });
        EXPECT_EQ(total, 31);
        EXPECT_EQ(co_await db.query_value<int>("SELECT sum(cents)::int FROM accounts"), 31);
    }());
}

TEST_F(PostgresTest, ACancelledTransactionRollsBack) {
    Database db{server->url(), DatabaseOptions{.max_connections = 1}};
    run_sync([&]() -> Task<void> {
        co_await db.execute("CREATE TABLE log (line text)");
        bool timed_out = false;
        try {
            co_await vial::timeout(150ms, db.transaction([&](Transaction& tx) -> Task<void> {
                co_await tx.execute("INSERT INTO log VALUES ('half done')");
                co_await tx.execute("SELECT pg_sleep(30)");
            }));
        } catch (const TimeoutError&) {
            timed_out = true;
        }
        EXPECT_TRUE(timed_out);
        EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT count(*) FROM log"), 0);
        co_await db.execute("INSERT INTO log VALUES ('after')");
        EXPECT_EQ(co_await db.query_value<std::int64_t>("SELECT count(*) FROM log"), 1);
    }());
}

TEST_F(PostgresTest, PoolExhaustionWaitsThenFailsClearly) {
    Database db{server->url(), DatabaseOptions{.max_connections = 1, .pool_timeout = 200ms}};
    run_sync([&]() -> Task<void> {
        auto holder = db.transaction(
            [&](Transaction& tx) -> Task<void> { co_await tx.execute("SELECT pg_sleep(0.6)"); });
        auto waiter = [&]() -> Task<std::string> {
            co_await vial::sleep(50ms);
            try {
                co_await db.query_value<int>("SELECT 1");
            } catch (const DatabasePoolTimeout& e) {
                co_return e.what();
            }
            co_return "no timeout";
        };
        auto [nothing, message] = co_await gather(std::move(holder), waiter());
        (void)nothing;
        EXPECT_NE(message.find("max_connections"), std::string::npos) << message;
        EXPECT_EQ(co_await db.query_value<int>("SELECT 2"), 2);  // free again
    }());
}

TEST_F(PostgresTest, AKilledBackendFailsItsQueryAndThePoolHeals) {
    Database db{server->url(), DatabaseOptions{.max_connections = 1}};
    run_sync([&]() -> Task<void> {
        auto pid = co_await db.query_value<std::int64_t>("SELECT pg_backend_pid()");
        auto killer = [&]() -> Task<void> {
            co_await vial::sleep(150ms);
            auto terminate = [&] {
                server->admin("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
            };
            co_await to_thread(terminate);
        };
        std::string failure;
        auto victim = [&]() -> Task<void> {
            try {
                co_await db.execute("SELECT pg_sleep(5)");
            } catch (const DatabaseConnectError& e) {
                failure = e.what();
            }
        };
        co_await gather(victim(), killer());
        EXPECT_NE(failure.find("postgresql:"), std::string::npos) << failure;
        auto fresh = co_await db.query_value<std::int64_t>("SELECT pg_backend_pid()");
        EXPECT_NE(fresh, pid);
    }());
}

TEST_F(PostgresTest, ARestartedServerFailsClearlyThenThePoolHeals) {
    Database db{server->url()};
    run_sync([&]() -> Task<void> {
        EXPECT_EQ(co_await db.query_value<int>("SELECT 1"), 1);
        auto stop = [] { server->stop(); };
        co_await to_thread(stop);
        std::string down;
        try {
            co_await db.query_value<int>("SELECT 2");
        } catch (const DatabaseConnectError& e) {
            down = e.what();
        }
        EXPECT_NE(down.find("postgresql:"), std::string::npos) << down;
        auto start = [] { server->start(); };
        co_await to_thread(start);
        int answer = 0;
        for (int attempt = 0; attempt < 50 && answer == 0; ++attempt) {
            try {
                answer = co_await db.query_value<int>("SELECT 3");
            } catch (const DatabaseConnectError&) {
            }
            if (answer == 0) co_await vial::sleep(100ms);  // backing off
        }
        EXPECT_EQ(answer, 3);
    }());
}

TEST_F(PostgresTest, RefusedConnectionsAndBadCredentialsAreTyped) {
    PostgresServer* s = server;
    Database nowhere{"postgresql://vial@127.0.0.1:1/vial"};
    std::string refused =
        message_of<DatabaseConnectError>([&] { run_sync(nowhere.query_value<int>("SELECT 1")); });
    EXPECT_NE(refused.find("127.0.0.1:1"), std::string::npos) << refused;
    Database wrong{"postgresql://secret:wrong-password@127.0.0.1:" + std::to_string(s->port()) +
                   "/vial"};
    std::string auth =
        message_of<DatabaseAuthError>([&] { run_sync(wrong.query_value<int>("SELECT 1")); });
    EXPECT_NE(auth.find("authentication"), std::string::npos) << auth;
    EXPECT_EQ(auth.find("wrong-password"), std::string::npos) << auth;
    Database right{"postgresql://secret:right-password@127.0.0.1:" + std::to_string(s->port()) +
                   "/vial"};
    EXPECT_EQ(run_sync(right.query_value<int>("SELECT 5")), 5);
    EXPECT_THROW(Database("postgresql://vial@127.0.0.1:5432/vial?nonsense=1"), DatabaseError);
    EXPECT_THROW(Database("mysql://localhost/x"), DatabaseError);
}

// The showcase's database endpoints, unchanged, on PostgreSQL: one config key moves them.
TEST_F(PostgresTest, TheShowcaseRunsOnPostgresByChangingDatabaseUrl) {
    std::unique_ptr<App> app = make_app();
    app->config().set("DATABASE_URL", server->url());
    TestClient client{*app};
    auto data = client.get("/get-data?max_price=20");
    ASSERT_EQ(data.status(), 200) << data.text();
    EXPECT_EQ(data.json().as_array().size(), 3u);
    EXPECT_EQ(data.json().at(0).at("price"), 1.5);
    auto dashboard = client.get("/dashboard");
    ASSERT_EQ(dashboard.status(), 200) << dashboard.text();
    EXPECT_EQ(dashboard.json().at("products"), 5);
    EXPECT_EQ(client.get("/queries?queries=20").json().as_array().size(), 20u);
    EXPECT_EQ(client.get("/updates?queries=20").json().as_array().size(), 20u);
    EXPECT_EQ(server->admin("SELECT count(*) FROM world"), "10000");
    std::string csv = client.get("/world.csv").text();
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 10001) << csv.substr(0, 80);
    // The /api item store lives in the same database.
    auto created = client.post("/api/items", {.json = Json{{"name", "lamp"}}});
    ASSERT_EQ(created.status(), 201) << created.text();
    std::string url(created.json().at("url").as_string());
    EXPECT_EQ(client.get(url).json().at("name"), "lamp");
    EXPECT_EQ(client.get("/api/items").json().at("total"), 1);
    EXPECT_EQ(client.delete_(url).status(), 204);
    EXPECT_EQ(client.get(url).status(), 404);
}

TEST_F(PostgresTest, ListenReceivesNotificationsInOrder) {
    Database db{server->url()};
    run_sync([&]() -> Task<void> {
        Listener orders = co_await db.listen("orders \"eu\"");  // quoted, never spliced
        co_await db.execute("SELECT pg_notify(?, ?)", "orders \"eu\"", "first");
        co_await db.execute("SELECT pg_notify(?, ?)", "elsewhere", "not ours");
        auto notify_later = [&]() -> Task<void> {
            co_await vial::sleep(50ms);
            auto send = [] { server->admin("NOTIFY \"orders \"\"eu\"\"\", 'second'"); };
            co_await to_thread(send);
        };
        Notification first = co_await orders.next();
        EXPECT_EQ(first.channel, "orders \"eu\"");
        EXPECT_EQ(first.payload, "first");
        EXPECT_GT(first.sender_pid, 0);
        auto [second, nothing] = co_await gather(orders.next(), notify_later());
        (void)nothing;
        EXPECT_EQ(second.payload, "second");
        // Waiting is cancellable, and the listener still works afterwards.
        bool timed_out = false;
        try {
            co_await vial::timeout(50ms, orders.next());
        } catch (const TimeoutError&) {
            timed_out = true;
        }
        EXPECT_TRUE(timed_out);
        co_await db.execute("SELECT pg_notify(?, ?)", "orders \"eu\"", "third");
        EXPECT_EQ((co_await orders.next()).payload, "third");
    }());
}

TEST_F(PostgresTest, AListenerWhoseConnectionDiesSaysSo) {
    Database db{server->url()};
    run_sync([&]() -> Task<void> {
        Listener listener = co_await db.listen("news");
        auto killer = [&]() -> Task<void> {
            co_await vial::sleep(100ms);
            auto terminate = [] {
                server->admin(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE "
                    "'LISTEN%'");
            };
            co_await to_thread(terminate);
        };
        std::string failure;
        auto waiter = [&]() -> Task<void> {
            try {
                co_await listener.next();
            } catch (const DatabaseConnectError& e) {
                failure = e.what();
            }
        };
        co_await gather(waiter(), killer());
        EXPECT_NE(failure.find("postgresql:"), std::string::npos) << failure;
    }());
    Database sqlite{"sqlite://:memory:"};
    EXPECT_THROW(run_sync(sqlite.listen("news")), DatabaseError);
}

// An unreachable database: the showcase answers a JSON 503 at once, and its other
// routes never wait for it.
TEST(PostgresDown, TheShowcaseAnswers503AndKeepsServing) {
    std::unique_ptr<App> app = make_app();
    app->config().set("DATABASE_URL", std::string("postgresql://vial@127.0.0.1:1/vial"));
    TestClient client{*app};
    for (int i = 0; i < 3; ++i) {
        auto started = std::chrono::steady_clock::now();
        auto r = client.get("/db");
        EXPECT_EQ(r.status(), 503) << r.text();
        EXPECT_EQ(r.json().at("error"), "Service Unavailable");
        EXPECT_EQ(r.headers().get_or("Retry-After", ""), "1");
        EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    }
    EXPECT_EQ(client.get("/plaintext").status(), 200);
}

// Each loop has its own connections: two threads' loops query one Database at once.
TEST_F(PostgresTest, EveryLoopHasItsOwnPool) {
    Database db{server->url()};
    std::atomic<int> done{0};
    auto work = [&] {
        run_sync([&]() -> Task<void> {
            for (int i = 0; i < 100; ++i) {
                EXPECT_EQ(co_await db.query_value<int>("SELECT ?::int", i), i);
            }
            ++done;
        }());
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
    EXPECT_EQ(done.load(), 2);
}

}  // namespace
}  // namespace vial::testing
