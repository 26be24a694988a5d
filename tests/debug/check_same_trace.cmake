# Runs a guest twice, plainly and under the stepper with a script, and checks that both runs
# write the same JSON-lines trace and the same console output: stepping costs time, never
# behaviour.
#
#   cmake -DTARGET=trapeze-v2 -DGUEST=x.elf -DSCRIPT=s.script -DWORK=dir -P check_same_trace.cmake

file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${TARGET} ${GUEST} --quiet --trace-json ${WORK}/plain.jsonl
                OUTPUT_VARIABLE plain_out RESULT_VARIABLE plain_rc)
execute_process(COMMAND ${TARGET} ${GUEST} --quiet --trace-json ${WORK}/stepped.jsonl --script ${SCRIPT} --no-pause
                OUTPUT_VARIABLE stepped_out RESULT_VARIABLE stepped_rc)
if(NOT plain_rc EQUAL 0 OR NOT stepped_rc EQUAL 0)
  message(FATAL_ERROR "exit status: ${plain_rc} plain, ${stepped_rc} under the stepper")
endif()
file(READ ${WORK}/plain.jsonl plain)
file(READ ${WORK}/stepped.jsonl stepped)
if(NOT plain STREQUAL stepped)
  message(FATAL_ERROR "the stepper changed the trace: compare ${WORK}/plain.jsonl and ${WORK}/stepped.jsonl")
endif()
string(FIND "${stepped_out}" "${plain_out}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the console output differs under the stepper:\n${stepped_out}\n--- plain ---\n${plain_out}")
endif()
string(LENGTH "${plain}" bytes)
message(STATUS "the same trace (${bytes} bytes) with and without the stepper")
