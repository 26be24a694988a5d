# Checks that every target's --help shows the same option table: the outputs may differ only
# in the program's name, its one-line description and the defaults a target sets itself
# (trapeze-run has no physical timer unless asked).
#
#   cmake -DTARGETS="a|b|c" -P check_same_help.cmake

string(REPLACE "|" ";" targets "${TARGETS}")
set(reference "")
foreach(target IN LISTS targets)
  execute_process(COMMAND ${target} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${target} --help exited with ${rc}")
  endif()
  get_filename_component(name ${target} NAME)
  string(REPLACE "${name}" "TARGET" help "${help}")
  string(FIND "${help}" "\n" eol)                                     # the description
  math(EXPR eol "${eol} + 1")
  string(SUBSTRING "${help}" ${eol} -1 help)
  string(REGEX REPLACE "\\(default [^)]*\\)" "(default X)" help "${help}")
  foreach(option --quantum --budget --mem --quiet --trace --trace-json --timeline --report --list-traps --version --help)
    string(FIND "${help}" "${option}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${target} --help does not list ${option}:\n${help}")
    endif()
  endforeach()
  if(reference STREQUAL "")
    set(reference "${help}")
    set(reference_name ${target})
  elseif(NOT help STREQUAL reference)
    message(FATAL_ERROR "${target} --help differs from ${reference_name} --help:\n${help}\n--- versus ---\n${reference}")
  endif()
endforeach()
message(STATUS "the same option table on: ${TARGETS}")
