#pragma once
// The process's resident memory, for tests of memory ceilings, and whether a sanitizer
// makes that figure meaningless.
#include <unistd.h>

#include <cstddef>
#include <fstream>

namespace vial::testing {

// AddressSanitizer keeps freed memory in quarantine and ThreadSanitizer maps shadow
// memory for what the process touches (RSS says nothing of our ceilings under either),
// and ASan's runtime needs descriptors of its own (a pipe to probe memory) exactly when
// the process has none left: those checks run in the release build only.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizedMemory = true;
#else
inline constexpr bool kSanitizedMemory = false;
#endif

inline std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace vial::testing
