# The consumer test (CTest name and label `consumer`): chainrule used the way its users use it.
#   1. docs/getting-started.md shows exactly this folder's CMakeLists.txt and main.cpp (its first
#      ```cmake and ```cpp blocks), so the page cannot drift from what is tested;
#   2. the build tree under test is installed into a fresh prefix (`cmake --install --prefix`);
#   3. this folder, a separate project, is configured against that prefix
#      (find_package(chainrule 0.2 CONFIG REQUIRED) must find it there), built with warnings as
#      errors and run: it prints a gradient and fails unless its MLP's loss fell tenfold;
#   4. pkgconfig_main.cpp, which includes every public header, is compiled on its own with
#      `pkg-config --cflags --libs chainrule` and strict warnings, linked and run.
#
#   cmake -DBUILD_DIR=<chainrule build> -DSOURCE_DIR=<this folder> -DDOC=<getting-started.md>
#         -DWORK_DIR=<scratch> -DGENERATOR=<gen> -DMAKE_PROGRAM=<ninja/make> -DCXX=<compiler>
#         -DLIBDIR=<lib dir in the prefix> [-DCONFIG=<config>] [-DPKG_CONFIG=<pkg-config>]
#         -P run.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var BUILD_DIR SOURCE_DIR DOC WORK_DIR GENERATOR CXX LIBDIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run.cmake: -D${var}=... is required")
  endif()
endforeach()

# Warnings as errors for everything compiled here. (The headers of a find_package'd chainrule
# are SYSTEM headers to its users, so the pkg-config build, which includes them with a plain -I,
# is the one that checks them.)
set(strict_flags -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror)

# run(<what> <command...>): runs the command, fails the test with its output if it fails;
# the output is left in `output`.
function(run what)
  string(TIMESTAMP start "%s")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(TIMESTAMP end "%s")
  math(EXPR seconds "${end} - ${start}")
  if(NOT code EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "consumer: ${what} failed (${code}):\n  ${command}\n${out}")
  endif()
  message(STATUS "consumer: ${what} (${seconds} s)")
  set(output "${out}" PARENT_SCOPE)
endfunction()

# --- 1. the getting-started page shows the files that are built here -------------------------
file(READ "${DOC}" page)
foreach(pair "cmake;CMakeLists.txt" "cpp;main.cpp")
  list(GET pair 0 language)
  list(GET pair 1 file)
  string(FIND "${page}" "```${language}\n" begin)
  if(begin EQUAL -1)
    message(FATAL_ERROR "consumer: ${DOC} has no ```${language} block (it should show ${file})")
  endif()
  string(LENGTH "```${language}\n" fence)
  math(EXPR begin "${begin} + ${fence}")
  string(SUBSTRING "${page}" ${begin} -1 rest)
  string(FIND "${rest}" "```" length)
  string(SUBSTRING "${rest}" 0 ${length} shown)
  file(READ "${SOURCE_DIR}/${file}" actual)
  if(NOT shown STREQUAL actual)
    file(WRITE "${WORK_DIR}.page-${file}" "${shown}")
    message(FATAL_ERROR "consumer: the first ```${language} block of ${DOC} differs from "
            "${SOURCE_DIR}/${file} (the page must show what this test builds); compare with\n"
            "  diff ${WORK_DIR}.page-${file} ${SOURCE_DIR}/${file}")
  endif()
endforeach()
message(STATUS "consumer: ${DOC} shows CMakeLists.txt and main.cpp as tested")

# --- 2. install into a fresh prefix ---------------------------------------------------------
set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
run("cmake --install into ${prefix}"
    "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})
foreach(file include/chainrule/autodiff.hpp include/chainrule/autodiff/export.hpp
             include/chainrule/nn/export.hpp include/chainrule/optim/export.hpp
             ${LIBDIR}/cmake/chainrule/chainruleConfig.cmake
             ${LIBDIR}/cmake/chainrule/chainruleConfigVersion.cmake
             ${LIBDIR}/cmake/chainrule/chainruleTargets.cmake ${LIBDIR}/pkgconfig/chainrule.pc)
  if(NOT EXISTS "${prefix}/${file}")
    message(FATAL_ERROR "consumer: the install has no ${file}")
  endif()
endforeach()

# --- 3. find_package(chainrule) from a separate project -------------------------------------
set(build "${WORK_DIR}/build")
set(generator_args -G "${GENERATOR}")
if(MAKE_PROGRAM)
  list(APPEND generator_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
list(JOIN strict_flags " " flags)
run("configure tests/consumer against the prefix"
    "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${build}" ${generator_args}
    "-DCMAKE_CXX_COMPILER=${CXX}" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=${flags}"
    "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
# The package must come from the fresh prefix, not from an older install elsewhere.
file(STRINGS "${build}/CMakeCache.txt" found REGEX "^chainrule_DIR:")
string(REGEX REPLACE "^[^=]*=" "" found "${found}")
file(REAL_PATH "${found}" found)
file(REAL_PATH "${prefix}" real_prefix)
string(FIND "${found}" "${real_prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "consumer: find_package(chainrule) used ${found}, not the fresh ${prefix}")
endif()
run("build tests/consumer" "${CMAKE_COMMAND}" --build "${build}" ${config_args})
find_program(program hello_chainrule PATHS "${build}" "${build}/${CONFIG}" NO_DEFAULT_PATH
             NO_CACHE REQUIRED)
run("run hello_chainrule" "${program}")
message("${output}")
if(NOT output MATCHES "gradient: 2\\.22324 1\\.9726\n")
  message(FATAL_ERROR "consumer: hello_chainrule printed a wrong gradient (expected "
          "2.22324 1.9726, from 2x sin x + x² cos x at x = 1, 2)")
endif()

# --- 4. pkg-config ------------------------------------------------------------------------------
if(NOT PKG_CONFIG)
  message(STATUS "consumer: pkg-config not found, its check is skipped")
  return()
endif()
set(ENV{PKG_CONFIG_PATH} "${prefix}/${LIBDIR}/pkgconfig")
run("pkg-config --modversion chainrule" "${PKG_CONFIG}" --modversion chainrule)
string(STRIP "${output}" version)
run("pkg-config --cflags --libs chainrule" "${PKG_CONFIG}" --cflags --libs chainrule)
string(STRIP "${output}" pc_flags)
message(STATUS "consumer: chainrule ${version}: ${pc_flags}")
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
run("compile pkgconfig_main.cpp with pkg-config's flags"
    "${CXX}" -std=c++20 -O2 ${strict_flags} "${SOURCE_DIR}/pkgconfig_main.cpp" ${pc_flags}
    "-Wl,-rpath,${prefix}/${LIBDIR}" -o "${WORK_DIR}/pkgconfig_main")
run("run pkgconfig_main" "${WORK_DIR}/pkgconfig_main")
message("${output}")
