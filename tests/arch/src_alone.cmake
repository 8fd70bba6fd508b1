# src_alone.cmake - build test_src_alone (src/ objects only); explain a failure before the log.
cmake_minimum_required(VERSION 3.25)
# Variables: BUILD_DIR (the build tree), TARGET (test_src_alone).
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "src/ does not link without reports/: data flows one way, cmd -> "
        "reports -> src, and src/ never calls reports/ or cmd/ (README, Layout). "
        "The undefined references below name the calls to move.\n${out}${err}")
endif()
