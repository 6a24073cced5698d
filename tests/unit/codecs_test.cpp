// The codecs under requests and sessions: percent-decoding, forms, the routing path, and
// the signed session cookie.
#include <gtest/gtest.h>

#include "core/session_codec.hpp"
#include "core/url_codec.hpp"

namespace {

using namespace vial::detail;

TEST(UrlCodec, PercentDecodeRejectsMalformedEscapes) {
    EXPECT_EQ(percent_decode("a%20b", false), "a b");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_EQ(percent_decode("a+b", true), "a b");
    EXPECT_EQ(percent_decode("%e2%82%ac", false), "\xe2\x82\xac");
    EXPECT_FALSE(percent_decode("%", false));
    EXPECT_FALSE(percent_decode("%4", false));
    EXPECT_FALSE(percent_decode("%zz", false));
}

TEST(UrlCodec, FormsKeepRepeatsAndMalformedPairsRaw) {
    auto form = parse_urlencoded("a=1&b=x+y&a=2&c=%zz&flag");
    EXPECT_EQ(form.get("b"), "x y");
    auto all = form.get_all("a");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0], "1");
    EXPECT_EQ(all[1], "2");
    EXPECT_EQ(form.get("c"), "%zz");
    EXPECT_EQ(form.get("flag"), "");
}

TEST(UrlCodec, RoutingPathKeepsAnEncodedSlashInsideItsSegment) {
    EXPECT_EQ(routing_path("/files/a%20b"), "/files/a b");
    EXPECT_EQ(routing_path("/files/a%2Fb"), "/files/a%2Fb");
    EXPECT_EQ(routing_path("/files/100%25"), "/files/100%25");
    EXPECT_FALSE(routing_path("/files/%G0"));
    EXPECT_TRUE(has_encoded_slash("a%2Fb"));
    EXPECT_FALSE(has_encoded_slash("a%25b"));
    EXPECT_EQ(unescape_routing("a%2Fb%25c"), "a/b%c");
    EXPECT_EQ(escape_for_routing("a/b%c", false), "a%2Fb%25c");
    EXPECT_EQ(escape_for_routing("a/b", true), "a/b");
}

TEST(UrlCodec, EncodingRoundTripsThroughDecoding) {
    for (std::string text : {"plain", "with space", "50%", "a?b#c", "caf\xc3\xa9", "x/y"}) {
        EXPECT_EQ(percent_decode(percent_encode(text, false), false), text);
        EXPECT_EQ(percent_decode(encode_path_segment(text), false), text);
    }
    EXPECT_EQ(percent_encode("a/b c", true), "a/b%20c");
    EXPECT_EQ(encode_path_segment("user@host:1"), "user@host:1");
}

TEST(SessionCodec, SignedCookiesVerifyOnlyUnderTheirSecret) {
    vial::JsonObject data;
    data["user"] = "ada";
    data["visits"] = 3;
    std::string cookie = sign_session(data, "secret-one");
    auto back = verify_session(cookie, "secret-one");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->at("user").as_string(), "ada");
    EXPECT_EQ(back->at("visits").as_int64(), 3);
    EXPECT_FALSE(verify_session(cookie, "secret-two"));
    // Any change to the payload or the signature is refused.
    std::string tampered = cookie;
    tampered[2] = tampered[2] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_session(tampered, "secret-one"));
    EXPECT_FALSE(verify_session(cookie.substr(0, cookie.size() - 1), "secret-one"));
    EXPECT_FALSE(verify_session("no-dot-here", "secret-one"));
    EXPECT_FALSE(verify_session("", "secret-one"));
}

TEST(SessionCodec, Base64UrlRoundTripsAndRejectsForeignCharacters) {
    for (std::string bytes : {std::string(""), std::string("f"), std::string("fo"),
                              std::string("foo"), std::string("\xff\xfe\x00\x01", 4)}) {
        EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes);
    }
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_FALSE(base64url_decode("ab+/"));
    EXPECT_FALSE(base64url_decode("a=b"));
}

}  // namespace
