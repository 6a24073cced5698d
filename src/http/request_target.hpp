#pragma once
// The request target as the app sees it.
#include <string>

namespace vial::detail {

/// Absolute-form targets ("http://host/p?q", RFC 9112 3.2.2) reduced to origin form
/// ("/p?q"); other forms unchanged.
std::string origin_form(std::string target);

}  // namespace vial::detail
