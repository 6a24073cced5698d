#pragma once
// Where an exception was thrown, for DEBUG's error page. Once enabled, every throw in the
// process records its stack (frame addresses only: symbols are resolved when a page
// shows them) in a small per-thread ring keyed by the exception object; the dispatcher
// looks up the exception it caught. Off (the default), a throw costs one relaxed load.
//
// It works by defining __cxa_throw, which the linker then takes from libvial instead of
// libstdc++ (the real one is called through dlsym(RTLD_NEXT)). Sanitizer builds, whose
// runtimes intercept __cxa_throw themselves, leave it out: there traces are unavailable.
#include <exception>
#include <string>

namespace vial::detail {

void enable_throw_traces(bool on) noexcept;
/// Whether this build can record throw sites at all.
bool throw_traces_supported() noexcept;
/// The stack where `error` was thrown, one frame a line, if it was recorded on this thread
/// and is among its last few throws; empty otherwise.
std::string throw_trace(const std::exception_ptr& error);

}  // namespace vial::detail
