#pragma once
// ClientState: what an HttpClient shares with the transfers it started, which may outlive
// it: its settings and its cookie jar (a libcurl share handle, used from every loop).
#include <vial/http_client.hpp>

#include <curl/curl.h>

#include <boost/asio/any_io_executor.hpp>

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace vial::detail {

class CurlLoop;

struct ClientState {
    explicit ClientState(ClientOptions options);
    ~ClientState();
    ClientState(const ClientState&) = delete;
    ClientState& operator=(const ClientState&) = delete;

    /// Points `easy` at the jar (when the client keeps cookies).
    void attach_cookies(CURL* easy) const;

    /// A handle for a transfer: one a finished transfer gave back (reset to defaults),
    /// or a new one. Kept per client: a handle keeps the cookie share it was attached to.
    CURL* take_easy() const;
    /// A finished transfer's handle (out of any multi handle): reset and kept for the
    /// next transfer (curl_easy_init and cleanup were a tenth of a request's work), or
    /// cleaned up past kIdleHandles.
    void give_back(CURL* easy) const noexcept;
    static constexpr std::size_t kIdleHandles = 64;

    /// The proxy for a URL of `scheme` ("" for none), and the hosts that bypass it, read
    /// from the environment once, when the client is made (as httpx's trust_env does):
    /// curl would otherwise read the environment again for every transfer.
    const std::string& proxy_for(std::string_view scheme) const noexcept;
    const std::string& no_proxy() const noexcept { return no_proxy_; }
    /// Keeps a cookie a response for `host` set (the in-process transport's; curl keeps
    /// those of real responses itself).
    void store_set_cookie(const std::string& host, std::string_view set_cookie) const;
    /// What the jar holds now.
    std::vector<Cookie> cookies() const;

    /// The HttpClient went away: every transfer it started, on every loop, ends with
    /// vial::Cancelled (posted to each loop; safe from any thread).
    void close(const std::shared_ptr<const ClientState>& self) const;
    /// A loop with transfers of this client registers while it has any, so close() can
    /// reach it; it unregisters when they are done or the loop stops.
    void enlist(CurlLoop* loop, const boost::asio::any_io_executor& executor) const;
    void delist(CurlLoop* loop) const;

    const ClientOptions options;
    CURLSH* share = nullptr;
    // The jar is used by transfers on several loops (threads): curl asks us to lock it.
    mutable std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  private:
    std::string http_proxy_, https_proxy_, no_proxy_;
    mutable std::mutex easy_mutex_;
    mutable std::vector<CURL*> idle_easy_;
    mutable std::mutex loops_mutex_;
    mutable std::vector<std::pair<CurlLoop*, boost::asio::any_io_executor>> loops_;
};

}  // namespace vial::detail
