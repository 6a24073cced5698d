#include <vial/client_error.hpp>
#include <vial/client_response.hpp>

#include <boost/json/parse.hpp>

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace vial {

std::string ClientResponse::charset() const {
    std::string type(headers_.get_or("Content-Type", ""));
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::size_t at = type.find("charset=");
    if (at == std::string::npos) return "utf-8";
    std::string value = type.substr(at + 8);
    value = value.substr(0, value.find(';'));
    value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
    while (!value.empty() && value.back() == ' ') value.pop_back();
    return value.empty() ? "utf-8" : value;
}

std::string ClientResponse::text() const {
    std::string from = charset();
    if (from == "utf-8" || from == "utf8" || from == "us-ascii" || from == "ascii") return body_;
    iconv_t decoder = iconv_open("UTF-8", from.c_str());
    if (decoder == reinterpret_cast<iconv_t>(-1)) return body_;  // unknown: as sent
    std::string out;
    out.reserve(body_.size() + body_.size() / 2);
    char* in = const_cast<char*>(body_.data());  // iconv's signature; it does not write
    std::size_t in_left = body_.size();
    char buffer[4096];
    while (in_left > 0) {
        char* to = buffer;
        std::size_t to_left = sizeof buffer;
        std::size_t done = iconv(decoder, &in, &in_left, &to, &to_left);
        out.append(buffer, static_cast<std::size_t>(to - buffer));
        if (done == static_cast<std::size_t>(-1) && errno != E2BIG) {
            out += "\xEF\xBF\xBD";  // U+FFFD for the byte that does not decode
            ++in;
            --in_left;
        }
    }
    iconv_close(decoder);
    return out;
}

Json ClientResponse::json() const {
    boost::system::error_code ec;
    Json parsed = boost::json::parse(body_, ec);
    if (ec)
        throw Error("the response of " + method_ + " " + url_ + " is not JSON: " + ec.message());
    return parsed;
}

const ClientResponse& ClientResponse::raise_for_status() const {
    if (status_ >= 400) throw HttpStatusError(method_, url_, status_);
    return *this;
}

HttpClientError::HttpClientError(std::string method, std::string url, const std::string& cause)
    : Error(method + " " + url + " " + cause), method_(std::move(method)), url_(std::move(url)) {}

HttpStatusError::HttpStatusError(std::string method, std::string url, int status)
    : HttpClientError(method, url, "answered " + std::to_string(status)), status_(status) {}

RequestTimeout::RequestTimeout(std::string method, std::string url, const std::string& cause)
    : TimeoutError(method + " " + url + " timed out: " + cause),
      method_(std::move(method)),
      url_(std::move(url)) {}

}  // namespace vial
