# The Debian package test (CTest consumer_deb, label `consumer`):
#   1. `cpack -G DEB` packages the build tree under test;
#   2. the package declares Depends: on Debian packages that exist (dpkg-query knows each name)
#      and holds the libraries, headers, CMake package files, chainrule.pc and the license;
#   3. unpacked with `dpkg-deb -x` (not installed), it is what tests/consumer — an outside
#      project using find_package(chainrule 0.2 CONFIG REQUIRED) — is built against and run with;
#      pkg-config reads its chainrule.pc.
#
#   cmake -DBUILD_DIR=<chainrule build> -DSOURCE_DIR=<this folder> -DWORK_DIR=<scratch>
#         -DCPACK=<cpack> -DGENERATOR=<gen> [-DMAKE_PROGRAM=<ninja/make>] -DCXX=<compiler>
#         [-DPKG_CONFIG=<pkg-config>] -P deb.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var BUILD_DIR SOURCE_DIR WORK_DIR CPACK GENERATOR CXX)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "deb.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run what)
  string(TIMESTAMP start "%s")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(TIMESTAMP end "%s")
  math(EXPR seconds "${end} - ${start}")
  if(NOT code EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "deb: ${what} failed (${code}):\n  ${command}\n${out}${err}")
  endif()
  message(STATUS "deb: ${what} (${seconds} s)")
  set(output "${out}" PARENT_SCOPE)
endfunction()

# --- 1. the package --------------------------------------------------------------------------
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
run("cpack -G DEB" "${CPACK}" -G DEB --config "${BUILD_DIR}/CPackConfig.cmake" -B "${WORK_DIR}/out")
file(GLOB debs "${WORK_DIR}/out/*.deb")
list(LENGTH debs count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "deb: expected one .deb in ${WORK_DIR}/out, found ${count}: ${debs}")
endif()
message(STATUS "deb: ${debs}")

# --- 2. its control fields and contents ------------------------------------------------------
run("dpkg-deb -f" dpkg-deb -f "${debs}" Package Version Depends)
message("${output}")
if(NOT output MATCHES "Depends: ([^\n]+)")
  message(FATAL_ERROR "deb: the package has no Depends field")
endif()
string(REPLACE "," ";" depends "${CMAKE_MATCH_1}")
foreach(dependency IN LISTS depends)
  string(REGEX REPLACE "\\(.*\\)|\\|.*" "" name "${dependency}")  # "name (>= v)" -> "name"
  string(STRIP "${name}" name)
  execute_process(COMMAND dpkg-query -W -f=\${Package} "${name}" RESULT_VARIABLE code
                  OUTPUT_QUIET ERROR_QUIET)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "deb: Depends names '${name}', which is not an installed Debian package")
  endif()
endforeach()
foreach(required libxtensor-dev libboost-graph-dev)
  if(NOT output MATCHES "[ ,]${required}[ ,\n]")
    message(FATAL_ERROR "deb: Depends lacks ${required} (the public headers include it)")
  endif()
endforeach()

set(root "${WORK_DIR}/root")
run("dpkg-deb -x" dpkg-deb -x "${debs}" "${root}")
file(GLOB_RECURSE configs "${root}/usr/*/chainruleConfig.cmake")
file(GLOB_RECURSE pcs "${root}/usr/*/chainrule.pc")
file(GLOB_RECURSE libraries "${root}/usr/*/libchainrule_autodiff.*")
foreach(what configs pcs libraries)
  if(NOT ${what})
    message(FATAL_ERROR "deb: the package holds no ${what} (chainruleConfig.cmake, chainrule.pc, "
            "libchainrule_autodiff)")
  endif()
endforeach()
foreach(file include/chainrule/autodiff.hpp include/chainrule/nn.hpp include/chainrule/optim.hpp
             include/chainrule/autodiff/export.hpp share/doc/chainrule/LICENSE)
  if(NOT EXISTS "${root}/usr/${file}")
    message(FATAL_ERROR "deb: the package has no /usr/${file}")
  endif()
endforeach()

# --- 3. an outside project built against the unpacked package --------------------------------
set(build "${WORK_DIR}/build")
set(args -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}" -DCMAKE_BUILD_TYPE=Release
         "-DCMAKE_PREFIX_PATH=${root}/usr" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if(MAKE_PROGRAM)
  list(APPEND args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
run("configure tests/consumer against the package" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}"
    -B "${build}" ${args})
file(STRINGS "${build}/CMakeCache.txt" found REGEX "^chainrule_DIR:")
string(REGEX REPLACE "^[^=]*=" "" found "${found}")
file(REAL_PATH "${found}" found)
file(REAL_PATH "${root}" real_root)
string(FIND "${found}" "${real_root}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "deb: find_package(chainrule) used ${found}, not the package in ${root}")
endif()
run("build tests/consumer" "${CMAKE_COMMAND}" --build "${build}")
run("run hello_chainrule" "${build}/hello_chainrule")
message("${output}")
if(NOT output MATCHES "gradient: 2\\.22324 1\\.9726\n")
  message(FATAL_ERROR "deb: hello_chainrule printed a wrong gradient")
endif()

if(PKG_CONFIG)
  get_filename_component(pcdir "${pcs}" DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} "${pcdir}")
  run("pkg-config --modversion chainrule" "${PKG_CONFIG}" --modversion chainrule)
  string(STRIP "${output}" version)
  run("pkg-config --cflags --libs chainrule" "${PKG_CONFIG}" --cflags --libs chainrule)
  message(STATUS "deb: pkg-config: chainrule ${version}: ${output}")
endif()
