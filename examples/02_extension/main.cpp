#include <vial/vial.hpp>

#include "extension.hpp"

int main(int argc, char** argv) {
    auto app = make_extension_app();
    return vial::cli::main(*app, argc, argv);
}
