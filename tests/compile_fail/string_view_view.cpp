// Must NOT compile: a coroutine view taking std::string_view would dangle across
// co_await; views take vial::Request& (which the framework keeps alive).
#include <vial/vial.hpp>

int main() {
    vial::App app;
    app.get("/",
            [](std::string_view path) -> vial::Task<std::string> { co_return std::string(path); });
}
