# A mutant is a patch to the reference handlers (tests/grading/mutants/README.md): this makes the
# submission it describes. include() it from a ctest script, then:
#   make_mutant_submission(MUTANT PATCH VERSION vN SOURCE_DIR project DESTINATION dir [EXPECT var])
# writes DESTINATION/versions/vN/handlers.cpp (the reference with the patch applied) and, with
# EXPECT, sets var to the patch's "expect:" lines (what the feedback must name).
function(make_mutant_submission)
  cmake_parse_arguments(ARG "" "MUTANT;VERSION;SOURCE_DIR;DESTINATION;EXPECT" "" ${ARGN})
  configure_file(${ARG_SOURCE_DIR}/versions/${ARG_VERSION}/handlers.cpp
                 ${ARG_DESTINATION}/versions/${ARG_VERSION}/handlers.cpp COPYONLY)
  execute_process(COMMAND patch --quiet --batch --forward --no-backup-if-mismatch --reject-file=- -p1 -d ${ARG_DESTINATION}
                          -i ${ARG_MUTANT}
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "the mutant ${ARG_MUTANT} no longer applies to versions/${ARG_VERSION}/handlers.cpp; "
                        "remake it against the reference as it is now:\n${out}${err}")
  endif()
  if(ARG_EXPECT)
    file(STRINGS ${ARG_MUTANT} lines REGEX "^expect: ")
    set(expect)
    foreach(line ${lines})
      string(REGEX REPLACE "^expect: " "" line "${line}")
      list(APPEND expect "${line}")
    endforeach()
    set(${ARG_EXPECT} "${expect}" PARENT_SCOPE)
  endif()
endfunction()
