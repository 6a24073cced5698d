#pragma once
// What the stream tests of both backends read the same way: the rows of a numbered
// series (`n` = 1, 2, ... and `label` = "row <n>"), and rows up to the error a stream
// throws part way.
#include <gtest/gtest.h>
#include <vial/database.hpp>

#include <cstdint>
#include <string>

namespace vial::testing {

/// Reads up to `count` rows, checking each is the next of the series; how many it read.
inline Task<std::int64_t> read_series(RowStream& rows, int count) {
    std::int64_t read = 0;
    for (int i = 1; i <= count; ++i) {
        std::optional<Row> row = co_await rows.next();
        if (!row) break;
        EXPECT_EQ(row->get<std::int64_t>("n"), i);
        EXPECT_EQ(row->get<std::string>("label"), "row " + std::to_string(i));
        ++read;
    }
    co_return read;
}

/// The rows delivered before the stream threw, and what it threw ("" if it never did).
struct ReadUntilError {
    int rows = 0;
    std::string error;
};
inline Task<ReadUntilError> read_until_error(RowStream& rows) {
    ReadUntilError seen;
    try {
        while (co_await rows.next()) ++seen.rows;
    } catch (const DatabaseError& e) {
        seen.error = e.what();
    }
    co_return seen;
}

}  // namespace vial::testing
