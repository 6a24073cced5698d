#include "client_state.hpp"

#include <vial/error.hpp>

#include <boost/url/parse.hpp>

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

ClientState::ClientState(ClientOptions settings) : options(std::move(settings)) {
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
    if (share) curl_share_cleanup(share);
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
