#include "raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <thread>

namespace vial::testing {

namespace {
bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}
}  // namespace

std::string RawResponse::header(std::string_view name) const {
    std::string_view rest = head;
    while (!rest.empty()) {
        std::size_t eol = rest.find("\r\n");
        std::string_view line = rest.substr(0, eol);
        rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
        std::size_t colon = line.find(':');
        if (colon != std::string_view::npos && iequal(line.substr(0, colon), name)) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            return std::string(value);
        }
    }
    return {};
}

RawClient::RawClient(std::uint16_t port, std::chrono::milliseconds timeout, int receive_buffer) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    if (receive_buffer > 0)
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = (timeout.count() % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed");
    }
}

RawClient::~RawClient() {
    if (fd_ >= 0) ::close(fd_);
}

void RawClient::send(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("send failed");
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::size_t RawClient::read_some(std::size_t max) {
    if (!buffer_.empty()) {
        std::size_t n = std::min(max, buffer_.size());
        buffer_.erase(0, n);
        return n;
    }
    std::string chunk(std::min<std::size_t>(max, 1 << 20), '\0');
    ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

bool RawClient::fill() {
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

RawResponse RawClient::read_response(bool head_request) {
    RawResponse out;
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
        if (!fill()) return out;
    }
    out.head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    if (out.head.size() >= 12) out.status = std::stoi(out.head.substr(9, 3));
    std::string length = out.header("Content-Length");
    if (head_request || out.status == 204 || out.status == 304 || out.status / 100 == 1) return out;
    if (iequal(out.header("Transfer-Encoding"), "chunked")) {
        for (;;) {
            std::string size_line = read_until("\r\n");
            std::size_t size = size_line.empty() ? 0 : std::stoul(size_line, nullptr, 16);
            if (size_line.empty() || size == 0) {
                out.complete = !size_line.empty() && read_until("\r\n") == "\r\n";
                break;
            }
            while (buffer_.size() < size + 2) {
                if (!fill()) break;
            }
            if (buffer_.size() < size + 2) {
                out.complete = false;
                break;
            }
            out.body += buffer_.substr(0, size);
            buffer_.erase(0, size + 2);
        }
    } else if (!length.empty()) {
        std::size_t n = std::stoul(length);
        while (buffer_.size() < n) {
            if (!fill()) break;
        }
        out.body = buffer_.substr(0, n);
        buffer_.erase(0, std::min(n, buffer_.size()));
    } else {
        while (fill()) {
        }
        out.body = std::move(buffer_);
        buffer_.clear();
    }
    return out;
}

std::string RawClient::read_until(std::string_view marker) {
    std::size_t end;
    while ((end = buffer_.find(marker)) == std::string::npos) {
        if (!fill()) return {};
    }
    std::string out = buffer_.substr(0, end + marker.size());
    buffer_.erase(0, end + marker.size());
    return out;
}

std::string RawClient::read_exact(std::size_t n) {
    while (buffer_.size() < n) {
        if (!fill()) break;
    }
    std::string out = buffer_.substr(0, std::min(n, buffer_.size()));
    buffer_.erase(0, out.size());
    return out;
}

bool RawClient::wait_closed() {
    char c;
    for (;;) {
        ssize_t n = ::recv(fd_, &c, 1, 0);
        if (n == 0) return true;
        if (n < 0) return errno == ECONNRESET;
    }
}

void RawClient::reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

RawResponse roundtrip(std::uint16_t port, std::string_view request) {
    RawClient client(port);
    client.send(request);
    return client.read_response();
}

}  // namespace vial::testing
