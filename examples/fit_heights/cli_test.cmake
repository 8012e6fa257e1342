# Runs fit_heights once, as a user would, and checks how it ended (cmake -P):
#   PROGRAM      the executable
#   ARGS         its arguments (a CMake list)
#   EXPECT_FAIL  true: the run must exit non-zero (not crash) with one line on stderr matching
#                MATCH; false: it must exit 0, stdout must match MATCH, FILES must be written
#   OUT          a fresh working directory for the run (relative FILES land there)
#   STEPS        if set: run.json's trajectory must hold STEPS + 1 points, step 0 first
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
execute_process(COMMAND "${PROGRAM}" ${ARGS}
                WORKING_DIRECTORY "${OUT}"
                RESULT_VARIABLE code
                OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
string(JOIN " " command "${PROGRAM}" ${ARGS})
message(STATUS "${command}\n-- exit: ${code}\n-- stdout:\n${out}-- stderr:\n${err}")

# A crash shows as a signal name ("Segmentation fault", "Subprocess aborted"), not a number.
if(NOT code MATCHES "^[0-9]+$")
  message(FATAL_ERROR "crashed: ${code}")
endif()

if(EXPECT_FAIL)
  if(code EQUAL 0)
    message(FATAL_ERROR "expected a non-zero exit code")
  endif()
  string(REGEX REPLACE "\n$" "" message "${err}")
  if(message STREQUAL "" OR message MATCHES "\n")
    message(FATAL_ERROR "expected exactly one line on stderr, got:\n${err}")
  endif()
  if(NOT message MATCHES "^fit_heights: ")
    message(FATAL_ERROR "the message should start with 'fit_heights: ': ${message}")
  endif()
  if(NOT message MATCHES "${MATCH}")
    message(FATAL_ERROR "the message does not match '${MATCH}': ${message}")
  endif()
else()
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "expected exit code 0, got ${code}")
  endif()
  if(NOT out MATCHES "${MATCH}")
    message(FATAL_ERROR "stdout does not match '${MATCH}'")
  endif()
  foreach(file IN LISTS FILES)
    if(NOT EXISTS "${OUT}/${file}")
      message(FATAL_ERROR "${file} was not written")
    endif()
    file(SIZE "${OUT}/${file}" size)
    if(size EQUAL 0)
      message(FATAL_ERROR "${file} is empty")
    endif()
  endforeach()
  if(NOT STEPS STREQUAL "")
    file(READ "${OUT}/run.json" json)
    string(JSON points LENGTH "${json}" trajectory)
    string(JSON first GET "${json}" trajectory 0 step)
    string(JSON last GET "${json}" final step)
    math(EXPR expected "${STEPS} + 1")
    if(NOT points EQUAL expected OR NOT first EQUAL 0 OR NOT last EQUAL STEPS)
      message(FATAL_ERROR "run.json: ${points} points from step ${first} to ${last}")
    endif()
  endif()
endif()
