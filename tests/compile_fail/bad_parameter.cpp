// Must NOT compile: a view must take vial::Request& or vial::RequestContext&.
#include <vial/vial.hpp>

int main() {
    vial::App app;
    app.get("/", [](int) { return "x"; });
}
