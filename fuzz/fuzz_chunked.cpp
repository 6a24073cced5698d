// Fuzzes the chunked body decoder (Beast's, with the server's own chunk-line checks)
// with random split points: the input's first bytes choose where the bytes are cut, the
// rest is a chunked body after a fixed request head. Fed whole or in pieces, the parser
// must reach the same verdict and the same body: a decoder that depends on how TCP
// happened to split the stream is a smuggling vector.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "http/request_parser.hpp"

namespace {

struct Outcome {
    bool done = false;
    bool failed = false;
    int status = 0;  // what the connection answers a refused request
    std::string body;
};

// As the connection maps them: our own checks carry their status, Beast's limits are
// 413 and 431, every other grammar error a 400. The reason may differ with the split
// (which check saw the malformed bytes first), never the answer.
int answered_status(const vial::detail::RequestParser& parser, const boost::beast::error_code& ec) {
    namespace http = boost::beast::http;
    if (parser.rejection_status) return parser.rejection_status;
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) return 431;
    if (ec == http::error::body_limit) return 413;
    return 400;
}

Outcome parse(std::string_view input, const std::vector<std::size_t>& cuts) {
    vial::detail::RequestParser parser(
        {.max_request_line = 1024, .max_header_bytes = 4096, .max_body_bytes = 64 * 1024});
    std::string buffered;  // what the connection holds and has not consumed
    std::size_t offset = 0;
    Outcome out;
    for (std::size_t i = 0; i <= cuts.size() && !out.done && !out.failed; ++i) {
        std::size_t end = i < cuts.size() ? cuts[i] : input.size();
        buffered.append(input.substr(offset, end - offset));
        offset = end;
        // As the connection does: feed until the parser needs more or is done.
        while (!buffered.empty()) {
            boost::beast::error_code ec;
            std::size_t used = parser.feed(buffered, ec);
            buffered.erase(0, used);
            if (ec == boost::beast::http::error::need_more) {
                if (used == 0) break;
                continue;
            }
            if (ec) {
                out.failed = true;
                out.status = answered_status(parser, ec);
                break;
            }
            if (parser.is_done()) {
                out.done = true;
                break;
            }
            if (used == 0) break;
        }
    }
    out.body = parser.body;
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    // Byte 0: how many cuts (0-7); then one byte per cut, as a position in the body.
    std::size_t count = data[0] % 8;
    if (size < 1 + count) return 0;
    std::string_view body(reinterpret_cast<const char*>(data) + 1 + count, size - 1 - count);
    const std::string head =
        "POST /upload HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string input = head + std::string(body);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t at = head.size() + (body.empty() ? 0 : data[1 + i] % (body.size() + 1));
        if (cuts.empty() || at > cuts.back()) cuts.push_back(at);
    }
    Outcome whole = parse(input, {});
    Outcome split = parse(input, cuts);
    // A whole input may still be incomplete (needs more): then the split one must be too.
    if (whole.done != split.done || whole.failed != split.failed ||
        (whole.done && whole.body != split.body) || whole.status != split.status) {
        std::fprintf(stderr,
                     "split parse differs: whole done=%d failed=%d status=%d, split "
                     "done=%d failed=%d status=%d\n",
                     whole.done, whole.failed, whole.status, split.done, split.failed,
                     split.status);
        std::abort();
    }
    return 0;
}
