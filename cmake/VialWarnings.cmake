# Warnings are errors in our own code only (PRIVATE), never in Debian's headers, which
# are included as system headers.
function(vial_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        # False positive on Asio's coroutine frames (GCC PR 109224).
        target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
        # False positives of g++ 12 at -O3 inside libstdc++'s std::string (GCC PR 105651).
        target_compile_options(${target} PRIVATE -Wno-stringop-overflow)
    endif()
endfunction()
