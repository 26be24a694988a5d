# Grades one submission with trapeze-grade and checks the verdict (a ctest script):
#   -DGRADE=trapeze-grade -DCHECK_RESULTS=check_results -DVERSION=vN -DWORK=dir
#   -DSUBMISSION=dir | mutant.patch (applied to the reference handlers in WORK: mutant.cmake)
#   -DSOURCE_DIR=project     the project, whose versions/vN/handlers.cpp a mutant patches
#   -DEXPECT=full|zero|less   the score: all points, none, or fewer than all
#   -DEXPECT_FEEDBACK=a|b     text the report must contain (a mutant's "expect:" lines too)
#   -DARGS=a|b                more arguments for trapeze-grade
#   -DREPEAT=1                grade twice: the reports must be the same, byte for byte
# Every results.json is also checked against Gradescope's shape.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(submission ${SUBMISSION})
set(expected_feedback)
if(EXPECT_FEEDBACK)
  string(REPLACE "|" ";" expected_feedback "${EXPECT_FEEDBACK}")
endif()
if(SUBMISSION MATCHES "\\.patch$")
  include(${CMAKE_CURRENT_LIST_DIR}/mutant.cmake)
  set(submission ${WORK}/submission)
  make_mutant_submission(MUTANT ${SUBMISSION} VERSION ${VERSION} SOURCE_DIR ${SOURCE_DIR}
                         DESTINATION ${submission} EXPECT mutant_expect)
  list(APPEND expected_feedback ${mutant_expect})
endif()
string(REPLACE "|" ";" args "${ARGS}")

function(grade_once tag)
  execute_process(COMMAND ${GRADE} --version ${VERSION} --json ${WORK}/results-${tag}.json --work ${WORK}/grade-${tag}
                          ${args} ${submission}
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "trapeze-grade exited with ${status}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  execute_process(COMMAND ${CHECK_RESULTS} ${WORK}/results-${tag}.json RESULT_VARIABLE status ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "results.json does not have Gradescope's shape:\n${err}")
  endif()
  set(report_${tag} "${out}" PARENT_SCOPE)
endfunction()

grade_once(1)
set(report "${report_1}")
if(REPEAT)
  grade_once(2)
  # What the tests printed may hold addresses (a sanitizer's stack trace) that move between
  # runs where address randomization cannot be turned off; the verdicts must not.
  foreach(tag 1 2)
    string(REGEX REPLACE "  the test printed:\n(    [^\n]*\n)*" "  the test printed: ...\n" report_${tag}
           "${report_${tag}}")
  endforeach()
  if(NOT report_1 STREQUAL report_2)
    message(FATAL_ERROR "two gradings of the same submission differ:\n--- first\n${report_1}\n--- second\n${report_2}")
  endif()
endif()

file(READ ${WORK}/results-1.json results)
string(JSON score GET "${results}" score)
string(JSON max_score GET "${results}" max_score)
if(EXPECT STREQUAL "full" AND NOT score EQUAL max_score)
  message(FATAL_ERROR "expected full marks, got ${score}/${max_score}:\n${report}")
elseif(EXPECT STREQUAL "zero" AND NOT score EQUAL 0)
  message(FATAL_ERROR "expected 0, got ${score}/${max_score}:\n${report}")
elseif(EXPECT STREQUAL "less" AND NOT score LESS max_score)
  message(FATAL_ERROR "expected the submission to lose points, got ${score}/${max_score}:\n${report}")
endif()

# The feedback must be in the terminal report and in the JSON's outputs.
string(JSON json_output GET "${results}" output)
string(JSON count LENGTH "${results}" tests)
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON test_output GET "${results}" tests ${i} output)
  string(APPEND json_output "\n${test_output}")
endforeach()
foreach(text ${expected_feedback})
  string(FIND "${report}" "${text}" in_report)
  string(FIND "${json_output}" "${text}" in_json)
  if(in_report EQUAL -1 OR in_json EQUAL -1)
    message(FATAL_ERROR "the feedback does not say: ${text}\n(score ${score}/${max_score})\n${report}")
  endif()
endforeach()
message(STATUS "${VERSION}: ${score}/${max_score}")
