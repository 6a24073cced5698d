// vial::migrate: numbered files applied once, in order, each all-or-nothing, on SQLite
// and on a real PostgreSQL.
#include <gtest/gtest.h>
#include <vial/vial.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "db/postgres_server.hpp"
#include "support/message_of.hpp"

namespace vial::testing {
namespace {

class Migrations : public ::testing::Test {
  protected:
    Migrations() {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        write("0001_create.sql",
              "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
              "/* a comment; with a semicolon */\n"
              "INSERT INTO items VALUES (1, 'semi;colon');\n");
        write("0002_more.sql", "INSERT INTO items VALUES (2, 'two');");
        write("notes.txt", "not a migration");
    }
    ~Migrations() override { std::filesystem::remove_all(dir); }

    void write(const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
    }

    // Applies, re-applies (nothing), then a failing file changes nothing and is named.
    void check(Database& db) {
        auto applied = run_sync(migrate(db, dir.string()));
        EXPECT_EQ(applied, (std::vector<std::string>{"0001_create.sql", "0002_more.sql"}));
        EXPECT_EQ(run_sync(db.query_value<std::string>("SELECT name FROM items WHERE id = 1")),
                  "semi;colon");
        EXPECT_TRUE(run_sync(migrate(db, dir.string())).empty());
        write("0003_broken.sql",
              "INSERT INTO items VALUES (3, 'three');\nINSERT INTO nowhere VALUES (1);");
        std::string failure =
            message_of<DatabaseError>([&] { run_sync(migrate(db, dir.string())); });
        EXPECT_NE(failure.find("0003_broken.sql failed"), std::string::npos) << failure;
        EXPECT_EQ(run_sync(db.query_value<std::int64_t>("SELECT count(*) FROM items")), 2);
        write("0003_broken.sql", "INSERT INTO items VALUES (3, 'three');");
        EXPECT_EQ(run_sync(migrate(db, dir.string())),
                  (std::vector<std::string>{"0003_broken.sql"}));
        EXPECT_EQ(run_sync(db.query_value<std::int64_t>("SELECT count(*) FROM vial_migrations")),
                  3);
    }

    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("vial-migrations-" + std::to_string(::getpid()));
};

TEST_F(Migrations, AppliedOnceInOrderOnSqlite) {
    Database db{"sqlite://" + (dir / "app.db").string()};
    check(db);
}

TEST_F(Migrations, AppliedOnceInOrderOnPostgres) {
    PostgresServer server;
    Database db{server.url()};
    check(db);
}

// A file's own COMMIT would break "a failing file leaves nothing": refused. A file
// numbered below one already applied is refused too, not slipped in late.
TEST_F(Migrations, TransactionControlAndLateFilesAreRefused) {
    Database db{"sqlite://:memory:"};
    run_sync(migrate(db, dir.string()));
    write("0003_commits.sql", "INSERT INTO items VALUES (6, 'six');\ncommit;\n");
    EXPECT_NE(message_of<DatabaseError>([&] {
                  run_sync(migrate(db, dir.string()));
              }).find("0003_commits.sql has COMMIT"),
              std::string::npos);
    std::filesystem::remove(dir / "0003_commits.sql");
    write("0000_early.sql", "SELECT 1;");
    EXPECT_NE(message_of<DatabaseError>([&] {
                  run_sync(migrate(db, dir.string()));
              }).find("0000_early.sql is older than the newest applied migration"),
              std::string::npos);
    EXPECT_EQ(run_sync(db.query_value<std::int64_t>("SELECT count(*) FROM items")), 2);
}

TEST_F(Migrations, BadDirectoriesAreClearErrors) {
    Database db{"sqlite://:memory:"};
    EXPECT_NE(message_of<DatabaseError>([&] {
                  run_sync(migrate(db, "/no/such/dir"));
              }).find("no directory '/no/such/dir'"),
              std::string::npos);
    write("0002_again.sql", "SELECT 1");
    EXPECT_NE(message_of<DatabaseError>([&] {
                  run_sync(migrate(db, dir.string()));
              }).find("have the same version 2"),
              std::string::npos);
    std::filesystem::remove(dir / "0002_again.sql");
    write("create_more.sql", "SELECT 1");
    EXPECT_NE(message_of<DatabaseError>([&] {
                  run_sync(migrate(db, dir.string()));
              }).find("'create_more.sql' does not start with its version number"),
              std::string::npos);
}

}  // namespace
}  // namespace vial::testing
