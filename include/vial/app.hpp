#pragma once
/// vial::App: the application. Record routes on it, then serve it (`vial::cli::main`,
/// `vial::Server`) or drive it in-process (`vial::TestClient`).
///
/// Freezing compiles the records into an immutable dispatcher that every event loop
/// reads without locks; `run`/`TestClient` freeze implicitly. Registering afterwards
/// throws vial::Error. The App must outlive every server and test client using it.
#include <vial/config.hpp>
#include <vial/scaffold.hpp>

#include <memory>
#include <string>

namespace vial {

namespace detail {
class Dispatcher;
}

class App : public Scaffold {
  public:
    explicit App(std::string name = "vial");
    ~App() override;

    /// Compiles the recorded routes. Idempotent; throws vial::Error on conflicts.
    void freeze();
    bool frozen() const noexcept { return dispatcher_ != nullptr; }
    /// The app's settings (config.hpp). Read-only once frozen.
    Config& config() noexcept { return config_; }
    const Config& config() const noexcept { return config_; }
    /// The compiled dispatcher (freezes first). For the server and test client.
    const detail::Dispatcher& dispatcher();

    /// The URL of `endpoint` ("items_show", "api.items.show") with its rule's variables
    /// from `params`; other params go to the query string. Throws vial::Error naming an
    /// unknown endpoint, a missing parameter or a value the converter rejects. Needs a
    /// frozen app (call it from a view, or after freeze()).
    std::string url_for(std::string_view endpoint, const std::vector<UrlParam>& params = {},
                        const UrlForOptions& options = {}) const;

  protected:
    void check_setup(std::string_view what) const override;

  private:
    Config config_;
    std::unique_ptr<const detail::Dispatcher> dispatcher_;
};

}  // namespace vial
