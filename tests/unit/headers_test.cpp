#include <gtest/gtest.h>
#include <vial/error.hpp>
#include <vial/headers.hpp>
#include <vial/response.hpp>

namespace {

TEST(Headers, LookupIsCaseInsensitiveAndMultiValued) {
    vial::Headers h;
    h.add("Accept", "text/html");
    h.add("X-Tag", "a");
    h.add("x-tag", "b");
    EXPECT_EQ(h.get("accept"), "text/html");
    EXPECT_EQ(h.get("X-TAG"), "a");
    EXPECT_EQ(h.get_all("x-Tag").size(), 2u);
    EXPECT_FALSE(h.get("missing").has_value());
    EXPECT_EQ(h.get_or("missing", "d"), "d");
}

TEST(Headers, SetReplacesEveryValue) {
    vial::Headers h;
    h.add("X-Tag", "a");
    h.add("x-tag", "b");
    h.set("X-Tag", "c");
    EXPECT_EQ(h.get_all("x-tag"), (std::vector<std::string_view>{"c"}));
    EXPECT_EQ(h.erase("X-TAG"), 1u);
    EXPECT_TRUE(h.empty());
}

TEST(Headers, RejectsHeaderInjection) {
    vial::Headers h;
    EXPECT_THROW(h.add("X-Evil", "a\r\nSet-Cookie: x=1"), vial::Error);
    EXPECT_THROW(h.add("X-Evil", std::string("a\0b", 3)), vial::Error);
    EXPECT_THROW(h.add("X-Evil", "a\nb"), vial::Error);  // a bare LF or CR ends a line too
    EXPECT_THROW(h.add("X-Evil", "ab\r"), vial::Error);
    EXPECT_THROW(h.add("Bad Name", "v"), vial::Error);
    EXPECT_THROW(h.add("", "v"), vial::Error);
    EXPECT_TRUE(h.empty());
}

TEST(Headers, AContentTypeIsCheckedAsEveryHeaderIs) {
    EXPECT_THROW(vial::Response("x", 200, "text/html\r\nSet-Cookie: admin=1"), vial::Error);
    vial::Response fine("x", 200, "text/csv; charset=utf-8");
    EXPECT_EQ(fine.content_type(), "text/csv; charset=utf-8");
    EXPECT_THROW(fine.set_content_type("a\nb"), vial::Error);
}

TEST(Headers, BuiltFromAListOfFieldsEachChecked) {
    vial::Headers h{{"Accept", "application/json"}, {"X-Tag", "a"}, {"x-tag", "b"}};
    EXPECT_EQ(h.get("accept"), "application/json");
    EXPECT_EQ(h.get_all("X-TAG").size(), 2u);
    EXPECT_THROW((vial::Headers{{"X-Evil", "a\r\nb"}}), vial::Error);
}

}  // namespace
