# Runs a command twice, each time writing a trace to a file, and checks the two traces are
# byte for byte the same (and not empty).
#
#   cmake -DCOMMAND="prog|arg|..." -DTRACE=path -P check_deterministic.cmake
# COMMAND must write its trace to TRACE (e.g. "--trace-json|path").

string(REPLACE "|" ";" command "${COMMAND}")
foreach(run 1 2)
  file(REMOVE ${TRACE})
  execute_process(COMMAND ${command} INPUT_FILE /dev/null OUTPUT_QUIET ERROR_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run ${run} of ${COMMAND} exited with '${rc}'")
  endif()
  file(RENAME ${TRACE} ${TRACE}.${run})
endforeach()
file(SIZE ${TRACE}.1 size)
if(size EQUAL 0)
  message(FATAL_ERROR "the trace is empty")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${TRACE}.1 ${TRACE}.2 RESULT_VARIABLE differ)
if(differ)
  message(FATAL_ERROR "two runs gave different traces: ${TRACE}.1 and ${TRACE}.2")
endif()
message(STATUS "two runs, ${size} bytes of identical trace")
