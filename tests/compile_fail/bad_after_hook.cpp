// Must NOT compile: after_request receives the response, not a string_view.
#include <vial/vial.hpp>

int main() {
    vial::App app;
    app.after_request([](std::string_view) -> vial::Task<void> { co_return; });
}
