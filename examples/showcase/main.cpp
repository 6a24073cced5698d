#include <vial/vial.hpp>

#include "showcase.hpp"

int main(int argc, char** argv) {
    auto app = make_app();
    return vial::cli::main(*app, argc, argv);
}
