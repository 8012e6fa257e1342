# The subproject tests (CTest consumer_fetchcontent and consumer_add_subdirectory, label
# `consumer`): chainrule pulled into another project's build instead of installed.
#   1. ROUTE=fetchcontent: fetchcontent/CMakeLists.txt is the snippet docs/getting-started.md
#      shows (checked: its second ```cmake block), configured with
#      FETCHCONTENT_SOURCE_DIR_CHAINRULE=<this checkout>, so nothing is downloaded;
#      ROUTE=add_subdirectory: subdirectory/CMakeLists.txt with CHAINRULE_SOURCE_DIR=<checkout>;
#   2. the consumer sets no build type, and must still have none afterwards; none of the
#      dependencies of chainrule's tests, examples or benchmarks may have been looked for;
#   3. the consumer's program (main.cpp, the getting-started program) builds and runs, and no
#      other executable appears in the build tree: none of chainrule's tests, examples or
#      benchmarks was built.
#
#   cmake -DROUTE=fetchcontent|add_subdirectory -DCHAINRULE_SOURCE_DIR=<checkout>
#         -DSOURCE_DIR=<this folder> -DDOC=<getting-started.md> -DWORK_DIR=<scratch>
#         -DGENERATOR=<gen> [-DMAKE_PROGRAM=<ninja/make>] -DCXX=<compiler> [-DLAUNCHER=<ccache>]
#         -P subproject.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var ROUTE CHAINRULE_SOURCE_DIR SOURCE_DIR DOC WORK_DIR GENERATOR CXX)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "subproject.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run what)
  string(TIMESTAMP start "%s")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(TIMESTAMP end "%s")
  math(EXPR seconds "${end} - ${start}")
  if(NOT code EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "${ROUTE}: ${what} failed (${code}):\n  ${command}\n${out}")
  endif()
  message(STATUS "${ROUTE}: ${what} (${seconds} s)")
  set(output "${out}" PARENT_SCOPE)
endfunction()

# --- 1. the consumer project ----------------------------------------------------------------
set(project "${WORK_DIR}/source")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
if(ROUTE STREQUAL "fetchcontent")
  set(lists "${SOURCE_DIR}/fetchcontent/CMakeLists.txt")
  set(route_args "-DFETCHCONTENT_SOURCE_DIR_CHAINRULE=${CHAINRULE_SOURCE_DIR}")
  # The page's FetchContent example is this file, so it cannot drift from what is tested.
  file(READ "${DOC}" page)
  string(REGEX MATCHALL "```cmake\n[^`]*```" blocks "${page}")
  list(LENGTH blocks count)
  if(count LESS 2)
    message(FATAL_ERROR "${ROUTE}: ${DOC} has no second ```cmake block (the FetchContent one)")
  endif()
  list(GET blocks 1 shown)
  string(REGEX REPLACE "^```cmake\n(.*)```$" "\\1" shown "${shown}")
  file(READ "${lists}" actual)
  if(NOT shown STREQUAL actual)
    file(WRITE "${WORK_DIR}.page-CMakeLists.txt" "${shown}")
    message(FATAL_ERROR "${ROUTE}: the second ```cmake block of ${DOC} differs from ${lists}; "
            "compare with\n  diff ${WORK_DIR}.page-CMakeLists.txt ${lists}")
  endif()
elseif(ROUTE STREQUAL "add_subdirectory")
  set(lists "${SOURCE_DIR}/subdirectory/CMakeLists.txt")
  set(route_args "-DCHAINRULE_SOURCE_DIR=${CHAINRULE_SOURCE_DIR}")
else()
  message(FATAL_ERROR "subproject.cmake: unknown ROUTE '${ROUTE}'")
endif()
file(COPY "${lists}" "${SOURCE_DIR}/main.cpp" DESTINATION "${project}")

# --- 2. configure: no build type, no dependency of chainrule's own programs -----------------
set(args -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}" -DFETCHCONTENT_FULLY_DISCONNECTED=ON)
if(MAKE_PROGRAM)
  list(APPEND args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(LAUNCHER)
  list(APPEND args "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
endif()
run("configure the consumer" "${CMAKE_COMMAND}" -S "${project}" -B "${build}" ${args} ${route_args})
file(STRINGS "${build}/CMakeCache.txt" cache)
foreach(line IN LISTS cache)
  if(line MATCHES "^CMAKE_BUILD_TYPE:[A-Z]+=(.+)$")
    message(FATAL_ERROR "${ROUTE}: chainrule set the consumer's build type to '${CMAKE_MATCH_1}'")
  endif()
  if(line MATCHES "^CHAINRULE_BUILD_(TESTS|EXAMPLES|BENCHMARKS):BOOL=(.*)$" AND CMAKE_MATCH_2)
    message(FATAL_ERROR "${ROUTE}: CHAINRULE_BUILD_${CMAKE_MATCH_1} is ${CMAKE_MATCH_2} in a "
            "subproject (should default to OFF)")
  endif()
  # What only chainrule's tests (Boost.Test, Graphviz), examples (CLI11, PLplot) and
  # benchmarks (Google Benchmark, LibTorch) need.
  if(line MATCHES "^(benchmark_DIR|Torch_DIR|Caffe2_DIR|CLI11_DIR|boost_unit_test_framework_DIR|CHAINRULE_PLPLOT_LIBRARY|CHAINRULE_DOT_EXECUTABLE):")
    message(FATAL_ERROR "${ROUTE}: chainrule looked for ${CMAKE_MATCH_1} although its tests, "
            "examples and benchmarks are off:\n  ${line}")
  endif()
endforeach()

# --- 3. build and run; no executable but the consumer's --------------------------------------
run("build the consumer" "${CMAKE_COMMAND}" --build "${build}" --parallel 2)  # its PROCESSORS
run("run hello_chainrule" "${build}/hello_chainrule")
message("${output}")
if(NOT output MATCHES "gradient: 2\\.22324 1\\.9726\n")
  message(FATAL_ERROR "${ROUTE}: hello_chainrule printed a wrong gradient")
endif()
file(GLOB_RECURSE libraries "${build}/*libchainrule_autodiff.*")
if(NOT libraries)
  message(FATAL_ERROR "${ROUTE}: no libchainrule_autodiff in ${build}: was chainrule built?")
endif()
# Every ELF executable outside CMake's own scratch folders (compiler checks).
execute_process(
  COMMAND find "${build}" -type f -perm -u+x -not -path "*/CMakeFiles/*" -not -name "*.so"
          -not -name "*.so.*"
  OUTPUT_VARIABLE files RESULT_VARIABLE code)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "${ROUTE}: find failed (${code})")
endif()
string(REPLACE "\n" ";" files "${files}")
set(others "")
foreach(file IN LISTS files)
  if(file STREQUAL "" OR file STREQUAL "${build}/hello_chainrule")
    continue()
  endif()
  file(READ "${file}" magic LIMIT 4 HEX)
  if(magic STREQUAL "7f454c46")
    list(APPEND others "${file}")
  endif()
endforeach()
if(others)
  list(JOIN others "\n  " others)
  message(FATAL_ERROR "${ROUTE}: chainrule built executables of its own:\n  ${others}")
endif()
message(STATUS "${ROUTE}: only hello_chainrule was built; the build type stayed empty")
