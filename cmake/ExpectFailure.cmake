# cmake -DCOMMAND="prog;arg;..." -DEXPECT=<regex> -P ExpectFailure.cmake
# Passes when the command exits non-zero, prints exactly one line on stderr, and that line
# matches EXPECT (a bad input must give a short, clear message, not a crash or a help page).
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE code ERROR_VARIABLE err OUTPUT_QUIET)
if(code EQUAL 0)
  message(FATAL_ERROR "expected a failure, the command succeeded: ${COMMAND}")
endif()
if(NOT code MATCHES "^[0-9]+$")
  message(FATAL_ERROR "the command crashed (${code}): ${COMMAND}")
endif()
string(STRIP "${err}" err)
string(REGEX MATCHALL "\n" newlines "${err}")
if(newlines)
  message(FATAL_ERROR "expected a one-line message, got:\n${err}")
endif()
if(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "message '${err}' does not match '${EXPECT}'")
endif()
