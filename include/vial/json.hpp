#pragma once
/// vial::Json is Boost.JSON's `value`: `vial::Json{{"total", 3.5}}` builds an object.
#include <boost/json/value.hpp>

namespace vial {

using Json = boost::json::value;
using JsonObject = boost::json::object;
using JsonArray = boost::json::array;

}  // namespace vial
