#include "client_state.hpp"

#include <boost/asio/post.hpp>

#include "curl_loop.hpp"

#include <vial/app.hpp>
#include <vial/error.hpp>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <memory>

namespace vial::detail {

namespace {

void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<ClientState*>(user)->locks[static_cast<std::size_t>(data)].lock();
}

void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<ClientState*>(user)->locks[static_cast<std::size_t>(data)].unlock();
}

struct EasyDeleter {
    void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};

std::string host_of(const std::string& url) {
    auto parsed = boost::urls::parse_uri(url);
    return parsed ? std::string(parsed->encoded_host()) : std::string();
}

}  // namespace

namespace {
ClientOptions with_defaults(ClientOptions options) {
    if (options.app && options.base_url.empty()) options.base_url = "http://testserver";
    return options;
}
}  // namespace

// The first of `names` set in the environment ("" if none).
std::string first_env(std::initializer_list<const char*> names) {
    for (const char* name : names) {
        if (const char* value = std::getenv(name); value && *value) return value;
    }
    return "";
}

ClientState::ClientState(ClientOptions settings) : options(with_defaults(std::move(settings))) {
    // Frozen now, on the constructing thread: loops then only read its dispatcher.
    if (options.app) options.app->freeze();
    // As curl reads them: HTTP_PROXY in capitals is not trusted (a CGI program gets it
    // from a request's Proxy header); all_proxy is the fallback for both schemes.
    std::string all = first_env({"all_proxy", "ALL_PROXY"});
    http_proxy_ = first_env({"http_proxy"});
    if (http_proxy_.empty()) http_proxy_ = all;
    https_proxy_ = first_env({"https_proxy", "HTTPS_PROXY"});
    if (https_proxy_.empty()) https_proxy_ = all;
    no_proxy_ = first_env({"no_proxy", "NO_PROXY"});
    if (!options.cookie_jar) {
        if (!options.cookies.empty())
            throw Error("ClientOptions::cookies needs cookie_jar = true to be kept");
        return;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);  // idempotent after the first call
    share = curl_share_init();
    if (!share) throw Error("libcurl could not create a cookie jar");
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
    // Cookies given up front go into the jar through a handle that sends nothing.
    if (!options.cookies.empty()) {
        std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
        if (!easy) throw Error("libcurl could not create a transfer handle");
        attach_cookies(easy.get());
        for (const Cookie& cookie : options.cookies) {
            std::string domain = cookie.domain.empty() ? host_of(options.base_url) : cookie.domain;
            if (domain.empty())
                throw Error("the cookie " + cookie.name +
                            " needs a domain (or the client a base_url)");
            // Netscape format: domain, subdomains too, path, secure only, expiry (0: for the
            // session), name, value.
            std::string line = domain + "\tFALSE\t" + (cookie.path.empty() ? "/" : cookie.path) +
                               "\tFALSE\t0\t" + cookie.name + "\t" + cookie.value;
            curl_easy_setopt(easy.get(), CURLOPT_COOKIELIST, line.c_str());
        }
    }
}

ClientState::~ClientState() {
    for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);  // before the share they use
    if (share) curl_share_cleanup(share);
}

const std::string& ClientState::proxy_for(std::string_view scheme) const noexcept {
    return scheme == "https" ? https_proxy_ : http_proxy_;
}

CURL* ClientState::take_easy() const {
    {
        std::lock_guard lock(easy_mutex_);
        if (!idle_easy_.empty()) {
            CURL* easy = idle_easy_.back();
            idle_easy_.pop_back();
            return easy;
        }
    }
    CURL* easy = curl_easy_init();  // (curl_global_init: done by the Transfer first)
    if (!easy) throw Error("libcurl could not create a transfer handle");
    return easy;
}

void ClientState::give_back(CURL* easy) const noexcept {
    // attach_cookies queued a cookie file name (""), which curl_easy_reset would drop
    // without freeing: cleared (and freed) first. The next transfer attaches again.
    if (share) curl_easy_setopt(easy, CURLOPT_COOKIEFILE, nullptr);
    curl_easy_reset(easy);
    {
        std::lock_guard lock(easy_mutex_);
        if (idle_easy_.size() < kIdleHandles) {
            idle_easy_.push_back(easy);
            return;
        }
    }
    curl_easy_cleanup(easy);
}

void ClientState::attach_cookies(CURL* easy) const {
    if (!share) return;
    curl_easy_setopt(easy, CURLOPT_SHARE, share);
    curl_easy_setopt(easy, CURLOPT_COOKIEFILE, "");  // turns the cookie engine on
}

}  // namespace vial::detail

namespace vial::detail {

std::vector<Cookie> ClientState::cookies() const {
    std::vector<Cookie> jar;
    if (!share) return jar;
    std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
    if (!easy) throw Error("libcurl could not create a transfer handle");
    attach_cookies(easy.get());
    curl_slist* lines = nullptr;
    curl_easy_getinfo(easy.get(), CURLINFO_COOKIELIST, &lines);
    for (curl_slist* at = lines; at; at = at->next) {
        // domain, subdomains, path, secure, expiry, name, value (tab-separated)
        std::vector<std::string_view> fields;
        std::string_view line(at->data);
        while (fields.size() < 6) {
            std::size_t tab = line.find('\t');
            if (tab == std::string_view::npos) break;
            fields.push_back(line.substr(0, tab));
            line.remove_prefix(tab + 1);
        }
        if (fields.size() < 6) continue;
        long long expires = std::atoll(std::string(fields[4]).c_str());
        if (expires != 0 && expires < static_cast<long long>(std::time(nullptr))) continue;
        std::string_view domain = fields[0];
        if (domain.starts_with("#HttpOnly_")) domain.remove_prefix(10);
        jar.push_back(Cookie{.name = std::string(fields[5]),
                             .value = std::string(line),
                             .domain = std::string(domain),
                             .path = std::string(fields[2])});
    }
    curl_slist_free_all(lines);
    return jar;
}

}  // namespace vial::detail

namespace vial::detail {

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

void ClientState::store_set_cookie(const std::string& host, std::string_view set_cookie) const {
    if (!share) return;
    std::size_t semicolon = set_cookie.find(';');
    std::string_view pair = trim(set_cookie.substr(0, semicolon));
    std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos || equals == 0) return;  // not a cookie
    std::string name(trim(pair.substr(0, equals))), value(trim(pair.substr(equals + 1)));
    std::string domain = host, path = "/";
    bool secure = false;
    long long expires = 0;  // 0: for the session
    bool has_max_age = false;
    std::string_view rest =
        semicolon == std::string_view::npos ? "" : set_cookie.substr(semicolon + 1);
    while (!rest.empty()) {
        std::size_t end = rest.find(';');
        std::string_view attribute = trim(rest.substr(0, end));
        rest = end == std::string_view::npos ? "" : rest.substr(end + 1);
        std::size_t eq = attribute.find('=');
        std::string_view key = trim(attribute.substr(0, eq));
        std::string_view val = eq == std::string_view::npos ? "" : trim(attribute.substr(eq + 1));
        if (iequals(key, "Domain") && !val.empty()) {
            domain = std::string(val.starts_with('.') ? val.substr(1) : val);
        } else if (iequals(key, "Path") && val.starts_with('/')) {
            path = std::string(val);
        } else if (iequals(key, "Secure")) {
            secure = true;
        } else if (iequals(key, "Max-Age")) {
            has_max_age = true;
            long long seconds = std::atoll(std::string(val).c_str());
            expires = seconds <= 0 ? 1 : static_cast<long long>(std::time(nullptr)) + seconds;
        } else if (iequals(key, "Expires") && !has_max_age) {
            std::tm when{};
            if (strptime(std::string(val).c_str(), "%a, %d %b %Y %H:%M:%S", &when))
                expires = std::max<long long>(1, timegm(&when));
        }
    }
    std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
    if (!easy) throw Error("libcurl could not create a transfer handle");
    attach_cookies(easy.get());
    std::string line = domain + "\tFALSE\t" + path + "\t" + (secure ? "TRUE" : "FALSE") + "\t" +
                       std::to_string(expires) + "\t" + name + "\t" + value;
    curl_easy_setopt(easy.get(), CURLOPT_COOKIELIST, line.c_str());
}

}  // namespace vial::detail

namespace vial::detail {

void ClientState::enlist(CurlLoop* loop, const boost::asio::any_io_executor& executor) const {
    std::lock_guard lock(loops_mutex_);
    loops_.emplace_back(loop, executor);
}

void ClientState::delist(CurlLoop* loop) const {
    std::lock_guard lock(loops_mutex_);
    std::erase_if(loops_, [loop](const auto& entry) { return entry.first == loop; });
}

void ClientState::close(const std::shared_ptr<const ClientState>& self) const {
    std::lock_guard lock(loops_mutex_);
    // Each loop is alive while enlisted (it delists under this lock before it stops), so
    // posting to it is safe; `self` keeps this state, and its address, for the handler.
    for (const auto& [loop, executor] : loops_) {
        boost::asio::post(executor, [loop = loop, self] { loop->cancel_client(*self); });
    }
}

}  // namespace vial::detail
