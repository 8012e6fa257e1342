# chainrule_example_test(<program> <name> [FAIL] [EXIT <code>] [MATCH <regex>] [FILES <list>]
#                        [STEPS <n>] [ARGS <arg>...])
# Runs <program> as a user would, in a fresh directory, and checks how it ended
# (examples/common/cli_test.cmake): a failure must be one line "<program>: ..." matching MATCH
# with exit code EXIT; a success must print MATCH and write FILES. Test name <program>_cli_<name>.
set(CHAINRULE_EXAMPLE_CLI_TEST ${CMAKE_CURRENT_LIST_DIR}/cli_test.cmake)
function(chainrule_example_test program name)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "FAIL" "MATCH;STEPS;EXIT" "ARGS;FILES")
  add_test(NAME ${program}_cli_${name}
           COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${program}> "-DARGS=${ARG_ARGS}"
                   -DEXPECT_FAIL=${ARG_FAIL} "-DMATCH=${ARG_MATCH}" "-DFILES=${ARG_FILES}"
                   "-DSTEPS=${ARG_STEPS}" "-DEXIT=${ARG_EXIT}"
                   -DOUT=${CMAKE_CURRENT_BINARY_DIR}/test_output/${name}
                   -P ${CHAINRULE_EXAMPLE_CLI_TEST})
  set_tests_properties(${program}_cli_${name} PROPERTIES LABELS "examples")
endfunction()
