#include <gtest/gtest.h>
#include <vial/escape.hpp>

namespace {

TEST(Escape, HtmlSpecialCharacters) {
    EXPECT_EQ(vial::escape("<a href=\"x\">'&'</a>"),
              "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(Escape, WellFormedUtf8PassesThrough) {
    EXPECT_EQ(vial::escape("\xce\xb4 \xe2\x82\xac \xf0\x9f\x98\x80"),
              "\xce\xb4 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(Escape, NulAndMalformedUtf8BecomeReplacementCharacters) {
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(vial::escape(std::string("a\0b", 3)), "a" + fffd + "b");
    EXPECT_EQ(vial::escape("\xff"), fffd);                                   // never valid
    EXPECT_EQ(vial::escape("\xc0\xaf"), fffd + fffd);                        // overlong '/'
    EXPECT_EQ(vial::escape("\xed\xa0\x80"), fffd + fffd + fffd);             // a surrogate
    EXPECT_EQ(vial::escape("\xce"), fffd);                                   // truncated
    EXPECT_EQ(vial::escape("\xf4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // past U+10FFFF
}

}  // namespace
