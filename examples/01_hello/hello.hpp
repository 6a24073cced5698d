#pragma once
#include <vial/app.hpp>

#include <memory>

/// The smallest vial app: one sync view and one async view.
std::unique_ptr<vial::App> make_hello_app();
