# run_case.cmake - run one end-to-end case folder (see tests/CMakeLists.txt) and compare.
cmake_minimum_required(VERSION 3.25)
# Variables: QSCORE (binary), CASE (folder), SOURCE_DIR, WORK (a scratch folder for this case),
# PREFIX (the install prefix, for @PREFIX@ in `error`).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
if(EXISTS ${CASE}/setup.cmake)
    include(${CASE}/setup.cmake)
endif()

file(STRINGS ${CASE}/args raw_args)
set(args "")
foreach(a IN LISTS raw_args)
    string(REPLACE "@WORK@" "${WORK}" a "${a}")
    string(REPLACE "@SRC@" "${SOURCE_DIR}" a "${a}")
    list(APPEND args "${a}")
endforeach()

set(expected_status 0)
if(EXISTS ${CASE}/status)
    file(STRINGS ${CASE}/status expected_status)
endif()
# A failure is checked by its message too: exit status 2 covers every invalid input.
if(NOT expected_status EQUAL 0 AND NOT EXISTS ${CASE}/error)
    message(FATAL_ERROR "case ${CASE} expects status ${expected_status} but has no `error` file: "
        "check the message, not only the status")
endif()

# Instruments are found relative to the case folder, so outputs hold no machine-specific paths.
file(RELATIVE_PATH rel_instruments ${CASE} ${SOURCE_DIR}/instruments)
set(stdin_file /dev/null)
if(EXISTS ${CASE}/stdin)
    set(stdin_file ${CASE}/stdin)
endif()
execute_process(
    COMMAND ${CMAKE_COMMAND} -E env QSCORE_INSTRUMENTS=${rel_instruments} ${QSCORE} ${args}
    INPUT_FILE ${stdin_file}
    WORKING_DIRECTORY ${CASE}
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err
    RESULT_VARIABLE status
    TIMEOUT 20)

set(failed FALSE)
if(NOT "${status}" STREQUAL "${expected_status}")
    message(SEND_ERROR "exit status ${status}, expected ${expected_status}")
    set(failed TRUE)
endif()
foreach(pair "expected;out" "error;err")
    list(GET pair 0 fname)
    list(GET pair 1 var)
    if(EXISTS ${CASE}/${fname})
        file(READ ${CASE}/${fname} want)
        string(REPLACE "@WORK@" "${WORK}" want "${want}")
        string(REPLACE "@PREFIX@" "${PREFIX}" want "${want}")
        if(NOT "${${var}}" STREQUAL "${want}")
            file(WRITE ${WORK}/actual-${fname} "${${var}}")
            message(SEND_ERROR "${fname} differs: diff ${CASE}/${fname} ${WORK}/actual-${fname}\n"
                "--- expected\n${want}--- actual\n${${var}}")
            set(failed TRUE)
        endif()
    endif()
endforeach()
# Files the command wrote: each files/NAME must equal @WORK@/NAME.
file(GLOB expected_files RELATIVE ${CASE}/files ${CASE}/files/*)
foreach(name IN LISTS expected_files)
    file(READ ${CASE}/files/${name} want)
    string(REPLACE "@WORK@" "${WORK}" want "${want}")
    if(NOT EXISTS ${WORK}/${name})
        message(SEND_ERROR "the command did not write ${WORK}/${name}")
        set(failed TRUE)
    else()
        file(READ ${WORK}/${name} got)
        if(NOT "${got}" STREQUAL "${want}")
            message(SEND_ERROR "${name} differs: diff ${CASE}/files/${name} ${WORK}/${name}\n"
                "--- expected\n${want}--- actual\n${got}")
            set(failed TRUE)
        endif()
    endif()
endforeach()

if(failed)
    message(FATAL_ERROR "case ${CASE} failed")
endif()
