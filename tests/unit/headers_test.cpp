#include <gtest/gtest.h>
#include <vial/error.hpp>
#include <vial/headers.hpp>

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
    EXPECT_THROW(h.add("Bad Name", "v"), vial::Error);
    EXPECT_THROW(h.add("", "v"), vial::Error);
    EXPECT_TRUE(h.empty());
}

}  // namespace
