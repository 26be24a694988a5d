# add_run_check(NAME COMMAND prog|a|b EXIT n [STDOUT file] [STDERR text|text] [TRUNCATE src|bytes|dst]
#               [LABELS ...]): a ctest test that runs a command through e2e/check_run.cmake and
# checks its exit status, standard output and standard error.
set(TRAPEZE_CHECK_RUN ${CMAKE_CURRENT_LIST_DIR}/e2e/check_run.cmake)

function(add_run_check name)
  cmake_parse_arguments(ARG "" "COMMAND;EXIT;STDOUT;STDERR;TRUNCATE" "LABELS" ${ARGN})
  set(defines "-DCOMMAND=${ARG_COMMAND}" -DEXPECT_EXIT=${ARG_EXIT})
  if(ARG_STDOUT)
    list(APPEND defines -DEXPECT_STDOUT=${ARG_STDOUT})
  endif()
  if(ARG_STDERR)
    list(APPEND defines "-DEXPECT_STDERR=${ARG_STDERR}")
  endif()
  if(ARG_TRUNCATE)
    list(APPEND defines -DTRUNCATE=${ARG_TRUNCATE})
  endif()
  add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} ${defines} -P ${TRAPEZE_CHECK_RUN})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 300)
endfunction()
