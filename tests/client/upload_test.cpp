// Request bodies not held in memory: a file sent as it is read, a producer coroutine
// asked for each chunk (chunked, or with a known length), and multipart form-data.
#include <vial/http_client.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "upstream.hpp"

namespace vial::testing {
namespace {

using namespace std::chrono_literals;

class UploadTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir =
            std::filesystem::temp_directory_path() / ("vial-upload-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::string write_file(const std::string& name, const std::string& content) {
        auto path = dir / name;
        std::ofstream(path, std::ios::binary) << content;
        return path.string();
    }

    Upstream upstream;
    HttpClient http;
    std::filesystem::path dir;
};

std::string pattern(std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i * 7) % 26);
    return out;
}

TEST_F(UploadTest, AFileIsSentWithItsLength) {
    std::string content = pattern(3u << 20);
    std::string path = write_file("body.bin", content);
    RequestOptions options{.content_type = "application/x-test", .body_file = path};
    ClientResponse r = run_sync(http.put(upstream.url("/echo"), options));
    ASSERT_EQ(r.status(), 200) << r.text().substr(0, 200);
    Json echo = r.json();
    EXPECT_EQ(echo.at("method"), "PUT");
    EXPECT_EQ(echo.at("content_length").as_string(), std::to_string(content.size()));
    EXPECT_EQ(echo.at("content_type"), "application/x-test");
    EXPECT_TRUE(echo.at("body").as_string() == content) << "the body arrived altered";
}

TEST_F(UploadTest, AProducerIsStreamedChunked) {
    int calls = 0;
    RequestOptions options{.body_stream = [&calls]() -> Task<std::string> {
        if (calls == 50) co_return std::string();
        if (++calls % 10 == 0) co_await vial::sleep(5ms);  // a producer that awaits
        co_return std::string(1000, static_cast<char>('a' + calls % 26));
    }};
    Json echo = run_sync(http.post(upstream.url("/echo"), options)).json();
    EXPECT_EQ(echo.at("method"), "POST");
    EXPECT_EQ(echo.at("transfer_encoding"), "chunked");
    EXPECT_EQ(echo.at("content_type"), "application/octet-stream");
    const auto& body = echo.at("body").as_string();
    ASSERT_EQ(body.size(), 50'000u);
    EXPECT_EQ(body[0], 'b');
    EXPECT_EQ(body[49'999], static_cast<char>('a' + 50 % 26));
}

TEST_F(UploadTest, AProducerWithAKnownLength) {
    bool sent = false;
    RequestOptions options{.body_stream = [&sent]() -> Task<std::string> {
                               if (sent) co_return std::string();
                               sent = true;
                               co_return std::string("exactly");
                           },
                           .content_length = 7};
    Json echo = run_sync(http.patch(upstream.url("/echo"), options)).json();
    EXPECT_EQ(echo.at("method"), "PATCH");
    EXPECT_EQ(echo.at("content_length"), "7");
    EXPECT_EQ(echo.at("body"), "exactly");
}

TEST_F(UploadTest, AProducerThatThrowsFailsTheRequestWithItsError) {
    int calls = 0;
    RequestOptions options{.body_stream = [&calls]() -> Task<std::string> {
        if (++calls == 3) throw std::runtime_error("the source went away");
        co_return std::string(100, 'x');
    }};
    try {
        run_sync(http.post(upstream.url("/echo"), options));
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "the source went away");
    }
}

// A request cancelled while its producer awaits: the producer is cancelled too.
TEST_F(UploadTest, CancellingTheRequestCancelsItsProducer) {
    bool producer_cancelled = false;
    RequestOptions options{.body_stream = [&producer_cancelled]() -> Task<std::string> {
        try {
            co_await vial::sleep(10s);
        } catch (const Cancelled&) {
            producer_cancelled = true;
            throw;
        }
        co_return std::string();
    }};
    auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(run_sync(vial::timeout(100ms, http.post(upstream.url("/echo"), options))),
                 TimeoutError);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_TRUE(producer_cancelled);
}

TEST_F(UploadTest, MultipartFieldsAndFiles) {
    std::string path = write_file("report.csv", "a,b\n1,2\n");
    RequestOptions options{
        .multipart = {{.name = "title", .value = "Q3"},
                      {.name = "report", .file_path = path, .content_type = "text/csv"},
                      {.name = "note", .value = "inline", .filename = "note.txt"}}};
    Json echo = run_sync(http.post(upstream.url("/echo"), options)).json();
    std::string type(echo.at("content_type").as_string());
    ASSERT_TRUE(type.starts_with("multipart/form-data; boundary=")) << type;
    std::string boundary = type.substr(type.find('=') + 1);
    std::string body(echo.at("body").as_string());
    EXPECT_NE(body.find("--" + boundary +
                        "\r\nContent-Disposition: form-data; name=\"title\""
                        "\r\n\r\nQ3\r\n"),
              std::string::npos)
        << body;
    EXPECT_NE(body.find("name=\"report\"; filename=\"report.csv\"\r\nContent-Type: "
                        "text/csv\r\n\r\na,b\n1,2\n\r\n"),
              std::string::npos)
        << body;
    EXPECT_NE(body.find("name=\"note\"; filename=\"note.txt\""), std::string::npos) << body;
    EXPECT_NE(body.find("--" + boundary + "--"), std::string::npos) << body;
}

TEST_F(UploadTest, UnreadableFilesFailBeforeAnyIo) {
    RequestOptions missing{.body_file = (dir / "missing.bin").string()};
    EXPECT_NE(message_of<Error>([&] {
                  run_sync(http.post(upstream.url("/echo"), missing));
              }).find("cannot read the body_file"),
              std::string::npos);
    RequestOptions directory{.multipart = {{.name = "f", .file_path = dir.string()}}};
    EXPECT_NE(message_of<Error>([&] {
                  run_sync(http.post(upstream.url("/echo"), directory));
              }).find("cannot read the multipart file"),
              std::string::npos);
}

}  // namespace
}  // namespace vial::testing
