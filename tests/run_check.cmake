# add_run_check(NAME COMMAND prog|a|b EXIT n [STDOUT file] [STDERR text|text] [STDERR_FILE file]
#               [TRUNCATE src|bytes|dst] [STDIN file] [LABELS ...]): a ctest test that runs a command through
# e2e/check_run.cmake and checks its exit status, standard output and standard error (parts
# of it, or all of it against a file).
set(TRAPEZE_CHECK_RUN ${CMAKE_CURRENT_LIST_DIR}/e2e/check_run.cmake)

function(add_run_check name)
  cmake_parse_arguments(ARG "" "COMMAND;EXIT;STDOUT;STDERR;STDERR_FILE;TRUNCATE;STDIN" "LABELS" ${ARGN})
  set(defines "-DCOMMAND=${ARG_COMMAND}" -DEXPECT_EXIT=${ARG_EXIT})
  if(ARG_STDOUT)
    list(APPEND defines -DEXPECT_STDOUT=${ARG_STDOUT})
  endif()
  if(ARG_STDERR)
    list(APPEND defines "-DEXPECT_STDERR=${ARG_STDERR}")
  endif()
  if(ARG_STDERR_FILE)
    list(APPEND defines -DEXPECT_STDERR_FILE=${ARG_STDERR_FILE})
  endif()
  if(ARG_STDIN)
    list(APPEND defines -DSTDIN=${ARG_STDIN})
  endif()
  if(ARG_TRUNCATE)
    list(APPEND defines -DTRUNCATE=${ARG_TRUNCATE})
  endif()
  add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} ${defines} -P ${TRAPEZE_CHECK_RUN})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 300)
endfunction()
