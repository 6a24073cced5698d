#include <vial/vial.hpp>

#include "hello.hpp"

int main(int argc, char** argv) {
    auto app = make_hello_app();
    return vial::cli::main(*app, argc, argv);
}
