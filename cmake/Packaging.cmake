# The Debian package: from a release build, `cpack -G DEB` (in the build directory) writes
# libchainrule-dev_<version>_<arch>.deb with what `cmake --install` installs — the libraries,
# headers, CMake package files, chainrule.pc and the license — under /usr.
#
# Depends: dpkg-shlibdeps finds what shared libraries link (BUILD_SHARED_LIBS=ON); everything a
# user's build needs besides is listed here by hand: the headers' header-only dependencies, the
# packages whose CMake files chainruleConfig.cmake find_dependency()s, and, for static libraries,
# what the final link needs. Only for chainrule built on its own: inside another project, CPack
# is that project's.
include_guard(GLOBAL)

set(CPACK_PACKAGE_NAME chainrule)
set(CPACK_PACKAGE_VENDOR "The chainrule authors")
set(CPACK_PACKAGE_CONTACT "The chainrule authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION} (C++20)")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_NAME libchainrule-dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # libchainrule-dev_0.2.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "${PROJECT_DESCRIPTION} (C++20)\n"
    "Tape-based reverse-mode automatic differentiation over xtensor arrays: gradients,\n"
    "Jacobians and Hessians of any order, neural-network layers, losses, optimizers and\n"
    "checkpoints. Libraries, headers, CMake package (find_package(chainrule)) and pkg-config.")
string(JOIN "" CPACK_DEBIAN_PACKAGE_DESCRIPTION ${CPACK_DEBIAN_PACKAGE_DESCRIPTION})
find_program(CHAINRULE_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(CHAINRULE_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()

# Public headers: xtensor (with xtl) and Boost.Graph; chainruleConfig.cmake finds both
# (BoostConfig.cmake comes with libboost1.74-dev, pulled in by libboost-graph-dev).
set(depends "libxtensor-dev (>= ${xtensor_VERSION})"
            "libboost-graph-dev (>= ${Boost_VERSION_MAJOR}.${Boost_VERSION_MINOR})")
if(CHAINRULE_NATIVE)
  list(APPEND depends libxsimd-dev)
endif()
if(TARGET chainrule_distributed)
  list(APPEND depends libopenmpi-dev)  # chainrule/distributed.hpp includes mpi.h
endif()
get_target_property(chainrule_type chainrule_autodiff TYPE)
if(chainrule_type STREQUAL "STATIC_LIBRARY")
  # The static libraries' own dependencies, for the user's link (and find_dependency).
  list(APPEND depends libxtensor-blas-dev libopenblas-dev libspdlog-dev nlohmann-json3-dev)
endif()
list(JOIN depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)

include(CPack)
