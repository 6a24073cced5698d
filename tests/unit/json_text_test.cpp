#include <gtest/gtest.h>
#include <vial/error.hpp>
#include <vial/request.hpp>
#include <vial/response.hpp>

#include <limits>

#include "core/json_text.hpp"

namespace {

TEST(JsonText, NonFiniteNumbersAreWrittenAsNull) {
    vial::Json value{{"inf", std::numeric_limits<double>::infinity()},
                     {"list", {1.5, std::numeric_limits<double>::quiet_NaN()}}};
    EXPECT_TRUE(vial::detail::has_non_finite(value));
    EXPECT_EQ(vial::detail::json_text(value), "{\"inf\":null,\"list\":[1.5E0,null]}");
    EXPECT_EQ(vial::jsonify(value).body(), "{\"inf\":null,\"list\":[1.5E0,null]}");
}

TEST(JsonText, FiniteValuesAreUnchanged) {
    vial::Json value{{"n", 1}, {"x", 2.5}};
    EXPECT_FALSE(vial::detail::has_non_finite(value));
    EXPECT_EQ(vial::detail::json_text(value), "{\"n\":1,\"x\":2.5E0}");
}

TEST(JsonText, RequestJsonRefusesNumbersPastDoubleRange) {
    vial::Headers headers;
    headers.add("Content-Type", "application/json");
    vial::Request request("POST", "/", headers, "{\"n\":-1e400}");
    try {
        (void)request.json();
        FAIL() << "1e400 was accepted";
    } catch (const vial::HttpError& e) {
        EXPECT_EQ(e.status(), 400);
        EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
    }
}

}  // namespace
