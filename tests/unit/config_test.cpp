#include <gtest/gtest.h>
#include <stdlib.h>
#include <vial/config.hpp>

#include <unistd.h>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "support/message_of.hpp"

namespace {

TEST(Config, TypedGetsConvertOrNameTheKeyAndTheExpectedType) {
    vial::Config config;
    config.set("PORT", 8080);
    config.set("OFFSET", -5);
    config.set("NAME", "vial");
    config.set("DEBUG", true);
    config.set("RATIO", 0.5);
    EXPECT_EQ(config.get<int>("PORT"), 8080);
    EXPECT_EQ(config.get<std::uint16_t>("PORT"), 8080);
    EXPECT_EQ(config.get<int>("OFFSET"), -5);
    EXPECT_EQ(config.get<std::int64_t>("OFFSET"), -5);
    EXPECT_EQ(config.get<std::string>("NAME"), "vial");
    EXPECT_TRUE(config.get<bool>("DEBUG"));
    EXPECT_DOUBLE_EQ(config.get<double>("RATIO"), 0.5);
    EXPECT_DOUBLE_EQ(config.get<double>("PORT"), 8080.0);

    EXPECT_EQ(vial::testing::message_of<vial::Error>([&] { (void)config.get<int>("MISSING"); }),
              "config key 'MISSING' is not set");
    EXPECT_NE(vial::testing::message_of<vial::Error>([&] {
                  (void)config.get<int>("NAME");
              }).find("'NAME'"),
              std::string::npos);
    // Out of the type's range is a wrong type, never a silent wrap.
    EXPECT_THROW((void)config.get<std::uint8_t>("PORT"), vial::Error);
    EXPECT_THROW((void)config.get<unsigned>("OFFSET"), vial::Error);
    EXPECT_THROW((void)config.get<bool>("PORT"), vial::Error);
    // The fallback covers a missing key only: a present value of the wrong type throws.
    EXPECT_EQ(config.get<int>("MISSING", 7), 7);
    EXPECT_THROW((void)config.get<int>("NAME", 7), vial::Error);
}

TEST(Config, FromEnvParsesJsonScalarsAndKeepsTheRestAsStrings) {
    ::setenv("VIALTEST_NUMBER", "42", 1);
    ::setenv("VIALTEST_FLAG", "true", 1);
    ::setenv("VIALTEST_WORD", "hello world", 1);
    ::setenv("VIALTEST_OBJECT", "{\"a\":1}", 1);
    vial::Config config;
    config.from_env("VIALTEST_");
    EXPECT_EQ(config.get<int>("NUMBER"), 42);
    EXPECT_TRUE(config.get<bool>("FLAG"));
    EXPECT_EQ(config.get<std::string>("WORD"), "hello world");
    // Structured values stay text: an environment variable is not a config file.
    EXPECT_EQ(config.get<std::string>("OBJECT"), "{\"a\":1}");
    for (const char* name :
         {"VIALTEST_NUMBER", "VIALTEST_FLAG", "VIALTEST_WORD", "VIALTEST_OBJECT"})
        ::unsetenv(name);
}

TEST(Config, FromFileMergesAnObjectAndNamesTheFileOnError) {
    auto dir = std::filesystem::temp_directory_path();
    auto good = dir / ("vial_config_" + std::to_string(::getpid()) + ".json");
    auto bad = dir / ("vial_config_bad_" + std::to_string(::getpid()) + ".json");
    std::ofstream(good) << R"({"SECRET_KEY": "s3cret", "MAX_CONNECTIONS": 10})";
    std::ofstream(bad) << R"([1, 2])";
    vial::Config config;
    config.set("MAX_CONNECTIONS", 5);
    config.from_file(good.string());
    EXPECT_EQ(config.get<std::string>("SECRET_KEY"), "s3cret");
    EXPECT_EQ(config.get<int>("MAX_CONNECTIONS"), 10);
    EXPECT_NE(vial::testing::message_of<vial::Error>([&] {
                  config.from_file(bad.string());
              }).find(bad.string()),
              std::string::npos);
    EXPECT_NE(vial::testing::message_of<vial::Error>([&] {
                  config.from_file("/nonexistent/config.json");
              }).find("/nonexistent/config.json"),
              std::string::npos);
    std::filesystem::remove(good);
    std::filesystem::remove(bad);
}

TEST(Config, IsReadOnlyOnceFrozen) {
    vial::Config config;
    config.set("A", 1);
    config.freeze();
    EXPECT_THROW(config.set("A", 2), vial::Error);
    EXPECT_EQ(config.get<int>("A"), 1);
}

}  // namespace
