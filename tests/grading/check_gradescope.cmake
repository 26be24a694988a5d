# The Gradescope side (a ctest script): run_autograder grades a submission laid out as
# Gradescope lays it out and always leaves a results.json of Gradescope's shape, even when
# the grader cannot run; make_zip.sh packs setup.sh and run_autograder at the zip's root.
#   -DSOURCE_DIR=... -DGRADE=trapeze-grade -DCHECK_RESULTS=check_results -DMUTANT=mutant.patch -DWORK=dir
file(REMOVE_RECURSE ${WORK})
set(root ${WORK}/autograder)
include(${CMAKE_CURRENT_LIST_DIR}/mutant.cmake)
make_mutant_submission(MUTANT ${MUTANT} VERSION v2 SOURCE_DIR ${SOURCE_DIR} DESTINATION ${root}/submission)

function(run_autograder grade)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env AUTOGRADER_ROOT=${root} TRAPEZE_GRADE=${grade} GRADED_VERSION=v2
                          ${SOURCE_DIR}/tools/gradescope/run_autograder
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "run_autograder exited with ${status}\n${out}\n${err}")
  endif()
  execute_process(COMMAND ${CHECK_RESULTS} ${root}/results/results.json RESULT_VARIABLE status ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "results.json does not have Gradescope's shape:\n${err}")
  endif()
  file(READ ${root}/results/results.json results)
  set(results "${results}" PARENT_SCOPE)
endfunction()

run_autograder(${GRADE})
string(JSON score GET "${results}" score)
string(JSON max_score GET "${results}" max_score)
string(JSON tests LENGTH "${results}" tests)
if(NOT score LESS max_score OR tests EQUAL 0)
  message(FATAL_ERROR "the mutant should lose points on Gradescope too: ${results}")
endif()

# A grader that cannot run still leaves a results.json that says so.
run_autograder(/bin/false)
string(JSON score GET "${results}" score)
string(FIND "${results}" "could not grade this submission" said)
if(NOT score EQUAL 0 OR said EQUAL -1)
  message(FATAL_ERROR "without a grader, results.json should score 0 and say why: ${results}")
endif()

# The zip: setup.sh, run_autograder and GRADED_VERSION at its root, the sources, no build tree.
execute_process(COMMAND ${SOURCE_DIR}/tools/gradescope/make_zip.sh v2 ${WORK}/autograder-v2.zip
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "make_zip.sh failed: ${out}${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E tar tf ${WORK}/autograder-v2.zip OUTPUT_VARIABLE listing)
foreach(entry setup.sh run_autograder GRADED_VERSION versions/v2/handlers.cpp tools/grade/main.cpp CMakeLists.txt)
  string(REGEX MATCH "(^|\n)${entry}(\n|$)" found "${listing}")
  if(NOT found)
    message(FATAL_ERROR "the zip has no ${entry} at its root:\n${listing}")
  endif()
endforeach()
string(REGEX MATCH "(^|\n)build/" build_tree "${listing}")
if(build_tree)
  message(FATAL_ERROR "the zip holds a build tree")
endif()
