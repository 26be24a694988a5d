# Runs a guest whole; again with --snapshot-at N (which must change nothing); then from the
# snapshot with --restore: the restored run's console output and JSON-lines trace are the end
# of the whole run's, and its summary (instructions, exits by class, vIRQs) is the whole run's.
# Then the snapshot truncated, and restored onto another guest: both rejected with exit 2.
#
#   cmake -DTARGET=trapeze-v3 -DGUEST=x.elf -DOTHER=y.elf -DAT=N -DWORK=dir -P check_snapshot_restore.cmake
# With -DSCRIPT=s.script, the stepper's `snapshot` command in the script writes WORK/vm.snap instead.
# GUEST may be a scenario of several VMs; OTHER is then another scenario, and -DOTHER_REASON
# the reason the restore onto it gives (by default: a single VM, vm0, ran another image).

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${TARGET} ${GUEST} --trace-json ${WORK}/whole.jsonl
                OUTPUT_VARIABLE whole_out ERROR_VARIABLE whole_err RESULT_VARIABLE whole_rc)
if(SCRIPT)
  configure_file(${SCRIPT} ${WORK}/saving.script)
  execute_process(COMMAND ${TARGET} ${GUEST} --quiet --trace-json ${WORK}/saving.jsonl --script ${WORK}/saving.script
                          --no-pause
                  OUTPUT_VARIABLE saving_out ERROR_VARIABLE saving_err RESULT_VARIABLE saving_rc)
  if(NOT saving_out MATCHES "wrote the whole VM to ${WORK}/vm.snap")
    message(FATAL_ERROR "the stepper's snapshot command said:\n${saving_out}")
  endif()
  set(saving_out "${whole_out}")  # the transcript is around the console output
  set(saving_err "the snapshot taken after 0 instructions is in ")
else()
  execute_process(COMMAND ${TARGET} ${GUEST} --quiet --trace-json ${WORK}/saving.jsonl --snapshot-at ${AT} ${WORK}/vm.snap
                  OUTPUT_VARIABLE saving_out ERROR_VARIABLE saving_err RESULT_VARIABLE saving_rc)
endif()
execute_process(COMMAND ${TARGET} ${GUEST} --trace-json ${WORK}/restored.jsonl --restore ${WORK}/vm.snap
                OUTPUT_VARIABLE restored_out ERROR_VARIABLE restored_err RESULT_VARIABLE restored_rc)
if(NOT whole_rc EQUAL 0 OR NOT saving_rc EQUAL 0 OR NOT restored_rc EQUAL 0)
  message(FATAL_ERROR "exit status: ${whole_rc} whole, ${saving_rc} saving (${saving_err}), ${restored_rc} restored (${restored_err})")
endif()
if(NOT saving_err MATCHES "the snapshot taken after [0-9]+ instructions is in ")
  message(FATAL_ERROR "--snapshot-at said: ${saving_err}")
endif()
file(READ ${WORK}/whole.jsonl whole)
file(READ ${WORK}/saving.jsonl saving)
file(READ ${WORK}/restored.jsonl restored)
if(NOT whole STREQUAL saving OR NOT whole_out STREQUAL saving_out)
  message(FATAL_ERROR "taking the snapshot changed the run: compare ${WORK}/whole.jsonl and ${WORK}/saving.jsonl")
endif()
# The whole run's summary line "the VM stopped/powered off..." is the same: every count is.
if(NOT whole_err STREQUAL restored_err)
  message(FATAL_ERROR "the restored run's summary differs:\n${restored_err}\n--- whole ---\n${whole_err}")
endif()
string(LENGTH "${whole}" whole_bytes)
string(LENGTH "${restored}" restored_bytes)
string(LENGTH "${whole_out}" whole_out_bytes)
string(LENGTH "${restored_out}" restored_out_bytes)
if(restored_bytes EQUAL 0 OR restored_bytes GREATER_EQUAL whole_bytes OR restored_out_bytes EQUAL 0)
  message(FATAL_ERROR "the restored run wrote ${restored_bytes} trace bytes (the whole ${whole_bytes}) and ${restored_out_bytes} console bytes")
endif()
math(EXPR from "${whole_bytes} - ${restored_bytes}")
string(SUBSTRING "${whole}" ${from} -1 whole_tail)
if(NOT whole_tail STREQUAL restored)
  message(FATAL_ERROR "the restored trace is not the end of the whole one: compare ${WORK}/whole.jsonl and ${WORK}/restored.jsonl")
endif()
math(EXPR from "${whole_out_bytes} - ${restored_out_bytes}")
string(SUBSTRING "${whole_out}" ${from} -1 whole_out_tail)
if(NOT whole_out_tail STREQUAL restored_out)
  message(FATAL_ERROR "the restored console output is not the end of the whole one:\n${restored_out}")
endif()

# Rejected: a truncated snapshot, the guest ELF as a snapshot, and a snapshot of another guest.
execute_process(COMMAND head -c 1000 ${WORK}/vm.snap OUTPUT_FILE ${WORK}/truncated.snap)
if(NOT OTHER_REASON)
  set(OTHER_REASON "vm0 ran another guest image")
endif()
foreach(case "${GUEST}|${WORK}/truncated.snap|the snapshot is truncated or padded: its header says"
             "${GUEST}|${GUEST}|not a Trapeze snapshot (no TRAPSNAP magic at its start)"
             "${OTHER}|${WORK}/vm.snap|the snapshot is of another machine: ${OTHER_REASON}"
             "${GUEST}|${WORK}/no-such.snap|cannot read the snapshot ${WORK}/no-such.snap")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 guest)
  list(GET parts 1 file)
  list(GET parts 2 message)
  execute_process(COMMAND ${TARGET} ${guest} --restore ${file} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  string(FIND "${err}" "--restore ${file}: ${message}" at)
  if(NOT rc EQUAL 2 OR at EQUAL -1 OR NOT out STREQUAL "")
    message(FATAL_ERROR "--restore ${file} onto ${guest}: exit ${rc}, said: ${err}${out}")
  endif()
endforeach()
message(STATUS "restored after ${AT} instructions: ${restored_bytes} of ${whole_bytes} trace bytes, the same summary")
