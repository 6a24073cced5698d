#pragma once
// Internal shorthand: src/ code names Task without the vial:: prefix.
#include <vial/task.hpp>

namespace vial::detail {
using vial::Task;
}
