# Runs one command and checks its exit status, its standard output and its standard error.
#
#   cmake -DCOMMAND="prog|arg|..." -DEXPECT_EXIT=N [-DEXPECT_STDOUT=file] [-DEXPECT_STDERR="text|text"]
#         [-DEXPECT_STDERR_FILE=file] [-DTRUNCATE="source|bytes|destination"] [-DSTDIN=file] -P check_run.cmake
#
# Lists use '|' so they pass through add_test unchanged. EXPECT_STDERR's parts are plain text
# that must all appear (not regular expressions). TRUNCATE first writes the first `bytes`
# bytes of `source` to `destination`, to make a cut-off file. A command killed by a signal
# never matches: its result is a message, not a number.

if(DEFINED TRUNCATE)
  string(REPLACE "|" ";" truncate "${TRUNCATE}")
  list(GET truncate 0 source)
  list(GET truncate 1 bytes)
  list(GET truncate 2 destination)
  execute_process(COMMAND head -c ${bytes} ${source} OUTPUT_FILE ${destination} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "could not write the first ${bytes} bytes of ${source} to ${destination}")
  endif()
endif()

string(REPLACE "|" ";" command "${COMMAND}")
if(NOT DEFINED STDIN)
  set(STDIN /dev/null)
endif()
execute_process(COMMAND ${command} INPUT_FILE ${STDIN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
string(REPLACE ";" " " shown "${command}")

set(failures "")
if(NOT "${rc}" STREQUAL "${EXPECT_EXIT}")
  string(APPEND failures "exit status: expected ${EXPECT_EXIT}, got '${rc}'\n")
endif()
if(DEFINED EXPECT_STDOUT)
  file(READ ${EXPECT_STDOUT} expected)
  if(NOT out STREQUAL expected)
    string(APPEND failures "standard output differs from ${EXPECT_STDOUT}:\n--- expected\n${expected}--- got\n${out}---\n")
  endif()
endif()
if(DEFINED EXPECT_STDERR_FILE)
  file(READ ${EXPECT_STDERR_FILE} expected)
  if(NOT err STREQUAL expected)
    string(APPEND failures "standard error differs from ${EXPECT_STDERR_FILE}:\n--- expected\n${expected}--- got\n${err}---\n")
  endif()
endif()
if(DEFINED EXPECT_STDERR)
  string(REPLACE "|" ";" needles "${EXPECT_STDERR}")
  foreach(needle IN LISTS needles)
    string(FIND "${err}" "${needle}" at)
    if(at EQUAL -1)
      string(APPEND failures "standard error lacks '${needle}'\n")
    endif()
  endforeach()
endif()

if(failures)
  message(FATAL_ERROR "${shown}\n${failures}standard error was:\n${err}")
endif()
message(STATUS "${shown}: ok\n${err}")
