// Must NOT compile: a view returning int is not a ViewResult. The ctest
// `compile_fail.bad_return_type` checks the compiler names what is accepted.
#include <vial/vial.hpp>

int main() {
    vial::App app;
    app.get("/", [](vial::Request&) { return 42; });
}
