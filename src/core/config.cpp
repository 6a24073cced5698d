#include <vial/config.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace vial {

void Config::set_json(std::string_view key, Json value) {
    if (frozen_) {
        throw Error("cannot set config key '" + std::string(key) +
                    "': the app is already serving; configure it before run() or TestClient");
    }
    if (key.empty()) throw Error("config keys must not be empty");
    values_[key] = std::move(value);
}

void Config::wrong_type(std::string_view key, const char* expected) const {
    throw Error("config key '" + std::string(key) + "' must be " + expected + ", got " +
                boost::json::serialize(values_.at(key)));
}

void Config::from_file(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw Error("cannot read config file '" + path + "'");
    std::stringstream text;
    text << file.rdbuf();
    boost::system::error_code ec;
    Json parsed = boost::json::parse(text.str(), ec);
    if (ec) throw Error("config file '" + path + "' is not valid JSON: " + ec.message());
    if (!parsed.is_object()) throw Error("config file '" + path + "' must hold a JSON object");
    for (const auto& [key, value] : parsed.get_object()) set_json(key, value);
}

void Config::from_env(std::string_view prefix) {
    for (char** entry = environ; entry && *entry; ++entry) {
        std::string_view variable(*entry);
        std::size_t eq = variable.find('=');
        if (eq == std::string_view::npos || !variable.starts_with(prefix) || eq == prefix.size())
            continue;
        std::string_view key = variable.substr(prefix.size(), eq - prefix.size());
        std::string_view raw = variable.substr(eq + 1);
        boost::system::error_code ec;
        Json parsed = boost::json::parse(raw, ec);
        if (ec || parsed.is_object() || parsed.is_array()) parsed = Json(raw);
        set_json(key, std::move(parsed));
    }
}

}  // namespace vial
