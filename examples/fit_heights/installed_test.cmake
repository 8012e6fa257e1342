# cmake -DBUILD_DIR=<build> -DPREFIX=<dir> -P installed_test.cmake
# The default --data is found from the program's own location: installed with
# `cmake --install --component examples`, fit_heights runs from any directory with the
# heights.csv installed beside it; a copy of the program without its data says so.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --component examples
                        --prefix "${PREFIX}" RESULT_VARIABLE code OUTPUT_QUIET)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "cmake --install --component examples failed")
endif()
execute_process(COMMAND "${PREFIX}/bin/fit_heights" --steps 1 WORKING_DIRECTORY "/"
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0 OR NOT out MATCHES "share/chainrule/examples/heights.csv: histogram of 100")
  message(FATAL_ERROR "installed fit_heights: exit ${code}\n${out}${err}")
endif()
file(REMOVE_RECURSE "${PREFIX}-alone")
file(COPY "${PREFIX}/bin/fit_heights" DESTINATION "${PREFIX}-alone/bin")
execute_process(COMMAND "${PREFIX}-alone/bin/fit_heights" WORKING_DIRECTORY "/"
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 1 OR NOT err MATCHES "the shipped heights.csv is not beside the program")
  message(FATAL_ERROR "fit_heights without its data: exit ${code}\n${out}${err}")
endif()
