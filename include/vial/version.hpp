#pragma once
/// The vial version, as in the `Server` header and the startup log line.
namespace vial {
inline constexpr const char* kVersion = "0.1.0";
}
