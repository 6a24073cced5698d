# vial_precompile_headers(<target> [REUSE_FROM <other>]): parse <vial/vial.hpp> once
# per target instead of once per file. It is most of what a view's file costs to compile
# (Asio's coroutines, Boost.JSON and the standard library), so an edit-and-rebuild of a
# file that includes it drops from ~2.5 s to under 1 s (docs/install.md, "Build times").
# REUSE_FROM shares another target's header (same compiler flags) instead of building a
# second one. Set VIAL_PRECOMPILE_HEADERS=OFF to make the function a no-op (e.g. for
# ccache setups that cannot cache precompiled headers).
option(VIAL_PRECOMPILE_HEADERS "Let vial_precompile_headers() precompile <vial/vial.hpp>" ON)

function(vial_precompile_headers target)
    cmake_parse_arguments(PARSE_ARGV 1 ARG "" "REUSE_FROM" "")
    if(NOT VIAL_PRECOMPILE_HEADERS)
        return()
    endif()
    if(ARG_REUSE_FROM)
        target_precompile_headers(${target} REUSE_FROM ${ARG_REUSE_FROM})
    else()
        target_precompile_headers(${target} PRIVATE <vial/vial.hpp>)
    endif()
endfunction()
