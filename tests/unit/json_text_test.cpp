#include <gtest/gtest.h>
#include <vial/error.hpp>
#include <vial/request.hpp>
#include <vial/response.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <limits>
#include <string>

#include "core/json_text.hpp"

namespace {

TEST(JsonText, NonFiniteNumbersAreWrittenAsNull) {
    vial::Json value{{"inf", std::numeric_limits<double>::infinity()},
                     {"list", {1.5, std::numeric_limits<double>::quiet_NaN()}}};
    EXPECT_TRUE(vial::detail::has_non_finite(value));
    EXPECT_EQ(vial::detail::json_text(value), "{\"inf\":null,\"list\":[1.5,null]}");
    EXPECT_EQ(vial::jsonify(value).body(), "{\"inf\":null,\"list\":[1.5,null]}");
}

TEST(JsonText, FiniteValuesAreUnchanged) {
    vial::Json value{{"n", 1}, {"x", 2.5}};
    EXPECT_FALSE(vial::detail::has_non_finite(value));
    EXPECT_EQ(vial::detail::json_text(value), "{\"n\":1,\"x\":2.5}");
}

// Python's json.dumps(float) (repr): the shortest digits that read back as the same
// double; positional for exponents -4..15, else scientific with a 2-digit exponent.
TEST(JsonText, DoublesAreWrittenAsPythonWritesThem) {
    auto text = [](double d) { return vial::detail::json_text(vial::Json(d)); };
    EXPECT_EQ(text(50.061118), "50.061118");
    EXPECT_EQ(text(100.0), "100.0");
    EXPECT_EQ(text(0.0), "0.0");
    EXPECT_EQ(text(-0.0), "-0.0");
    EXPECT_EQ(text(-2.5), "-2.5");
    EXPECT_EQ(text(0.1), "0.1");
    EXPECT_EQ(text(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(text(0.0001), "0.0001");
    EXPECT_EQ(text(0.00001), "1e-05");
    EXPECT_EQ(text(1.5e-7), "1.5e-07");
    EXPECT_EQ(text(1e15), "1000000000000000.0");
    EXPECT_EQ(text(1e16), "1e+16");
    EXPECT_EQ(text(1.25e100), "1.25e+100");
    EXPECT_EQ(text(123456789.125), "123456789.125");
    EXPECT_EQ(text(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
    EXPECT_EQ(text(5e-324), "5e-324");
    // Inside containers, beside integers, strings and the rest.
    vial::Json mixed{{"total", 6.75}, {"n", 3}, {"s", "a\"b"}, {"l", {1.0, true, nullptr}}};
    EXPECT_EQ(vial::jsonify(mixed).body(),
              "{\"total\":6.75,\"n\":3,\"s\":\"a\\\"b\",\"l\":[1.0,true,null]}");
    // Each text reads back as the same double.
    for (double d : {50.061118, 0.1 + 0.2, 1e16, 5e-324, 2.0 / 3.0}) {
        EXPECT_EQ(boost::json::parse(text(d)).as_double(), d) << text(d);
    }
}

// vial writes JSON with its own writer: its strings (keys and values) come out as
// Boost.JSON writes them.
TEST(JsonText, StringsAreEscapedAsBoostJsonEscapesThem) {
    std::string every;
    for (int c = 1; c < 128; ++c) every.push_back(static_cast<char>(c));
    every += "\xc3\xa9 \xe2\x82\xac";  // UTF-8 passes through
    vial::Json plain{{every, every}};
    std::string expected = boost::json::serialize(plain);
    vial::Json with_double{{every, every}, {"x", 0.5}};
    std::string written = vial::detail::json_text(with_double);
    EXPECT_EQ(written.substr(0, expected.size() - 1), expected.substr(0, expected.size() - 1));
    EXPECT_EQ(boost::json::parse(written).at(every).as_string(), every);
    EXPECT_EQ(vial::detail::json_text(vial::Json{{"", ""}, {"x", 1.5}}), "{\"\":\"\",\"x\":1.5}");
}

// Strings are scanned in blocks of 8 or 16 bytes: a byte to escape is found wherever it
// sits (first, last, across a block's end), and bytes from 0x80 up are never escaped.
TEST(JsonText, EveryPositionOfAByteToEscapeIsFound) {
    for (char special : {'"', '\\', '\0', '\n', '\x01', '\x1f', '\x7f', '\x80', '\xff', ' '}) {
        for (std::size_t length = 1; length <= 40; ++length) {
            for (std::size_t at = 0; at < length; ++at) {
                std::string s(length, 'a');
                s[at] = special;
                vial::Json document{{s, s}};
                ASSERT_EQ(vial::detail::json_text(document), boost::json::serialize(document))
                    << "byte " << int(static_cast<unsigned char>(special)) << " at " << at << " of "
                    << length;
            }
        }
    }
}

// Both block scanners (SSE2's, and the word-wise one other targets use) stop at or before
// the first byte to escape, having skipped only clean bytes, and no more than one block
// short of it.
TEST(JsonText, BlockScannersStopAtTheFirstByteToEscape) {
    using Scanner = const char* (*)(const char*, const char*) noexcept;
    for (auto [scan, block] :
         {std::pair<Scanner, std::size_t>{vial::detail::skip_clean_words, 8},
          std::pair<Scanner, std::size_t>{vial::detail::skip_clean_blocks, 16}}) {
        for (char special : {'"', '\\', '\0', '\x1f', '\x7f', '\x80', '\xff', ' '}) {
            bool escaped =
                static_cast<unsigned char>(special) < 0x20 || special == '"' || special == '\\';
            for (std::size_t length = 0; length <= 40; ++length) {
                for (std::size_t at = 0; at <= length; ++at) {
                    std::string s(length, 'a');
                    if (at < length) s[at] = special;
                    std::size_t first = escaped && at < length ? at : length;
                    std::size_t stopped = scan(s.data(), s.data() + s.size()) - s.data();
                    ASSERT_LE(stopped, first) << int(special) << " at " << at << " of " << length;
                    ASSERT_LT(first - stopped, block) << int(special) << " at " << at;
                }
            }
        }
    }
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
