#pragma once
// ClientState: what an HttpClient shares with the transfers it started, which may outlive
// it: its settings and its cookie jar (a libcurl share handle, used from every loop).
#include <vial/http_client.hpp>

#include <curl/curl.h>

#include <array>
#include <mutex>
#include <string_view>
#include <vector>

namespace vial::detail {

struct ClientState {
    explicit ClientState(ClientOptions options);
    ~ClientState();
    ClientState(const ClientState&) = delete;
    ClientState& operator=(const ClientState&) = delete;

    /// Points `easy` at the jar (when the client keeps cookies).
    void attach_cookies(CURL* easy) const;
    /// Keeps a cookie a response for `host` set (the in-process transport's; curl keeps
    /// those of real responses itself).
    void store_set_cookie(const std::string& host, std::string_view set_cookie) const;
    /// What the jar holds now.
    std::vector<Cookie> cookies() const;

    const ClientOptions options;
    CURLSH* share = nullptr;
    // The jar is used by transfers on several loops (threads): curl asks us to lock it.
    mutable std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;
};

}  // namespace vial::detail
