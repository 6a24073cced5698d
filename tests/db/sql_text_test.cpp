// Reading SQL without parsing it: `?` numbered for PostgreSQL outside literals, names,
// comments and dollar bodies; scripts split at `;` outside those and trigger bodies.
#include <gtest/gtest.h>

#include "db/pg_codec.hpp"
#include "db/sql_text.hpp"

namespace vial::detail {
namespace {

TEST(SqlText, PlaceholdersAreNumberedOnlyInCode) {
    EXPECT_EQ(number_placeholders("SELECT ?, '?', \"?\", $$?$$, $tag$ ? $tag$ -- ?\n, ?"),
              "SELECT $1, '?', \"?\", $$?$$, $tag$ ? $tag$ -- ?\n, $2");
    EXPECT_EQ(number_placeholders("SELECT 'it''s ?', /* ? */ ?::int"),
              "SELECT 'it''s ?', /* ? */ $1::int");
    // E'..' takes backslash escapes; a word ending in E before a quote does not.
    EXPECT_EQ(number_placeholders("SELECT E'\\' ?', ?"), "SELECT E'\\' ?', $1");
    EXPECT_EQ(number_placeholders("SELECT x FROM t WHERE y LIKE'a\\' AND z = ?"),
              "SELECT x FROM t WHERE y LIKE'a\\' AND z = $1");
    // ?? is JSONB's ? operator.
    EXPECT_EQ(number_placeholders("SELECT data ?? 'k', data ??| ?"),
              "SELECT data ? 'k', data ?| $1");
    EXPECT_EQ(number_placeholders("SELECT $1 + 1"), "SELECT $1 + 1");
}

TEST(SqlText, ScriptsSplitAtSemicolonsInCodeOnly) {
    auto parts = split_statements(
        "CREATE TABLE t (x TEXT); -- one; two\n"
        "INSERT INTO t VALUES ('a;b'); /* ; */\n"
        "CREATE TRIGGER keep AFTER INSERT ON t BEGIN\n"
        "  UPDATE t SET x = CASE WHEN x = 'a' THEN 'b' ELSE x END;\n"
        "  DELETE FROM t WHERE x IS NULL;\n"
        "END;\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n"
        "  ;  -- nothing\n");
    ASSERT_EQ(parts.size(), 4u);
    EXPECT_EQ(parts[0], "CREATE TABLE t (x TEXT)");
    EXPECT_NE(parts[1].find("'a;b'"), std::string::npos);
    EXPECT_NE(parts[2].find("DELETE FROM t WHERE x IS NULL;\nEND"), std::string::npos);
    EXPECT_NE(parts[3].find("SELECT 2; END"), std::string::npos);
}

// query_many sends a batch of reads under one Sync: only a SELECT that locks and
// creates nothing counts, whatever its literals and comments say.
TEST(SqlText, ReadsOnlyIsAPlainSelect) {
    EXPECT_TRUE(reads_only("SELECT id, randomnumber FROM world WHERE id = ?"));
    EXPECT_TRUE(reads_only("  -- lookup\n/* by id */ select v FROM kv WHERE k = ?"));
    EXPECT_TRUE(reads_only("SELECT 'for update', \"into\" FROM t -- for share"));
    EXPECT_TRUE(reads_only("SELECT x FROM t WHERE note = 'a'/*c*/FOR_UPDATE_COL = 1"));
    EXPECT_FALSE(reads_only("SELECT * FROM t WHERE id = ? FOR UPDATE"));
    EXPECT_FALSE(reads_only("select * from t for  no   key update skip locked"));
    EXPECT_FALSE(reads_only("SELECT * FROM t\nFOR SHARE"));
    EXPECT_FALSE(reads_only("SELECT * FROM t FOR KEY SHARE OF t"));
    EXPECT_FALSE(reads_only("SELECT * INTO copy FROM t"));
    EXPECT_FALSE(reads_only("UPDATE t SET x = 1"));
    EXPECT_FALSE(reads_only("WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone"));
    EXPECT_FALSE(reads_only("selection"));
    EXPECT_FALSE(reads_only(""));
}

}  // namespace
}  // namespace vial::detail
