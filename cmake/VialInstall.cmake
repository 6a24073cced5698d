# `cmake --install`, find_package(vial), pkg-config and the Debian package (CPack).
include(CMakePackageConfigHelpers)

set(VIAL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/vial)

install(TARGETS vial EXPORT vialTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/vial
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/include/vial/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vial)
install(EXPORT vialTargets NAMESPACE vial:: DESTINATION ${VIAL_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/vialConfig.cmake.in
    ${PROJECT_BINARY_DIR}/vialConfig.cmake
    INSTALL_DESTINATION ${VIAL_CMAKE_DIR})
# 0.x releases may break their API: only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/vialConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/vialConfig.cmake ${PROJECT_BINARY_DIR}/vialConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/vialPrecompiledHeaders.cmake
        DESTINATION ${VIAL_CMAKE_DIR})

# pkg-config: the same usage requirements as the CMake target, for other build systems.
file(RELATIVE_PATH VIAL_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" VIAL_PC_TO_PREFIX "${VIAL_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/vial.pc.in ${PROJECT_BINARY_DIR}/vial.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/vial.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# `make package` -> build/release/libvial-dev_<version>_<arch>.deb
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME libvial-dev)
set(CPACK_PACKAGE_VENDOR "vial")
set(CPACK_PACKAGE_CONTACT "vial developers <vial@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Flask's API as an async-first C++20 web framework (static library and headers)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_NAME libvial-dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
# A static library: what its users link against are the -dev packages of its dependencies.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "g++ (>= 4:12), libboost1.81-dev | libboost-dev (>= 1.81), libboost-json1.81-dev | libboost-json-dev (>= 1.81), libboost-url1.81-dev | libboost-url-dev (>= 1.81), libboost-stacktrace1.81-dev | libboost-stacktrace-dev (>= 1.81), libssl-dev, libcurl4-openssl-dev, libsqlite3-dev, libpq-dev, pkg-config")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake (>= 3.25)")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR})
include(CPack)
