#pragma once
#include <vial/app.hpp>

#include <memory>

/// The app `make run` serves and `make bench` measures (see README for its routes).
std::unique_ptr<vial::App> make_app();
