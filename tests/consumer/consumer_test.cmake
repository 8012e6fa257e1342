# Registers the consumer test (included by tests/CMakeLists.txt; this folder's CMakeLists.txt is
# the consumer project itself, never added to chainrule's build). run.cmake says what it checks;
# it takes 10-15 s on two cores, mostly two compiles of a small program.
find_program(CHAINRULE_PKG_CONFIG NAMES pkg-config pkgconf)
add_test(NAME consumer
  COMMAND ${CMAKE_COMMAND}
    -DBUILD_DIR=${PROJECT_BINARY_DIR}
    -DSOURCE_DIR=${CMAKE_CURRENT_LIST_DIR}
    -DDOC=${PROJECT_SOURCE_DIR}/docs/getting-started.md
    -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/consumer
    -DGENERATOR=${CMAKE_GENERATOR}
    -DMAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}
    -DCXX=${CMAKE_CXX_COMPILER}
    -DCONFIG=$<CONFIG>
    -DLIBDIR=${CMAKE_INSTALL_LIBDIR}
    -DPKG_CONFIG=${CHAINRULE_PKG_CONFIG}
    -P ${CMAKE_CURRENT_LIST_DIR}/run.cmake)
set_tests_properties(consumer PROPERTIES LABELS consumer PROCESSORS 2 TIMEOUT 900)

# chainrule inside another project's build, by FetchContent (from this checkout: no download)
# and by add_subdirectory; subproject.cmake says what they check. Each builds chainrule's
# libraries once more, unoptimised (the consumer sets no build type): about 2 min on two cores.
foreach(route fetchcontent add_subdirectory)
  add_test(NAME consumer_${route}
    COMMAND ${CMAKE_COMMAND}
      -DROUTE=${route}
      -DCHAINRULE_SOURCE_DIR=${PROJECT_SOURCE_DIR}
      -DSOURCE_DIR=${CMAKE_CURRENT_LIST_DIR}
      -DDOC=${PROJECT_SOURCE_DIR}/docs/getting-started.md
      -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/consumer_${route}
      -DGENERATOR=${CMAKE_GENERATOR}
      -DMAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}
      -DCXX=${CMAKE_CXX_COMPILER}
      -DLAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}
      -P ${CMAKE_CURRENT_LIST_DIR}/subproject.cmake)
  set_tests_properties(consumer_${route} PROPERTIES LABELS consumer PROCESSORS 2 TIMEOUT 1200)
endforeach()

# The Debian package of this build (cmake/Packaging.cmake), unpacked and used from outside;
# deb.cmake says what it checks. Needs dpkg-deb (Debian).
find_program(CHAINRULE_DPKG_DEB dpkg-deb)
if(CHAINRULE_DPKG_DEB AND PROJECT_IS_TOP_LEVEL)
  add_test(NAME consumer_deb
    COMMAND ${CMAKE_COMMAND}
      -DBUILD_DIR=${PROJECT_BINARY_DIR}
      -DSOURCE_DIR=${CMAKE_CURRENT_LIST_DIR}
      -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/consumer_deb
      -DCPACK=${CMAKE_CPACK_COMMAND}
      -DGENERATOR=${CMAKE_GENERATOR}
      -DMAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}
      -DCXX=${CMAKE_CXX_COMPILER}
      -DPKG_CONFIG=${CHAINRULE_PKG_CONFIG}
      -P ${CMAKE_CURRENT_LIST_DIR}/deb.cmake)
  set_tests_properties(consumer_deb PROPERTIES LABELS consumer PROCESSORS 2 TIMEOUT 900)
endif()
