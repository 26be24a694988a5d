# Boots a guest on QEMU's virt machine and checks its console output.
#
#   cmake -DQEMU=qemu-system-aarch64 -DGUEST=X.elf -DEXPECT_STDOUT=file [-DICOUNT_SHIFT=n] [-DSMP=n]
#         [-DSTDIN=file] -P check_qemu.cmake
#   cmake -DQEMU=... -DGUEST=X.elf -DEXPECT_LINES=file ... -P check_qemu.cmake
#
# EXPECT_STDOUT: the console output must equal the file. EXPECT_LINES, for a guest that also
# prints measurements that depend on timing: every line of the file must appear in the output
# as a whole line, in the file's order; other lines may come in between.
#
# QEMU's serial console may end lines with \r\n; only the text is compared. The guest must
# power off by itself (PSCI SYSTEM_OFF makes QEMU exit with status 0) within 60 seconds.
#
# Time is virtual, as on Trapeze: -icount shift=0 makes one instruction one nanosecond, so the
# guest's timer follows the instructions it runs, not the host's clock. Another ICOUNT_SHIFT
# (one instruction = 2^n ns) moves every tick to another instruction: a guest whose output
# must not depend on where ticks land is also run that way.
#
# QEMU_ARGS=a|b|... adds options (a kernel's -initrd and -append).
#
# SMP=n gives the machine n CPUs (-smp n). With -icount QEMU runs them one at a time, in turn,
# in one host thread, switching at every timer deadline: on an instruction that -icount
# fixes, so the interleaving too is the same on every run.
if(NOT DEFINED ICOUNT_SHIFT)
  set(ICOUNT_SHIFT 0)
endif()
if(NOT DEFINED SMP)
  set(SMP 1)
endif()
if(DEFINED EXPECT_LINES)
  file(READ ${EXPECT_LINES} expected)
else()
  file(READ ${EXPECT_STDOUT} expected)
endif()

if(NOT DEFINED STDIN)
  set(STDIN /dev/null)  # the guest's console input (-nographic: stdin goes to the PL011)
endif()
string(REPLACE "|" ";" qemu_args "${QEMU_ARGS}")
execute_process(
  COMMAND timeout 60 ${QEMU} -M virt,gic-version=3 -cpu cortex-a57 -smp ${SMP} -nographic -nic none
          -icount shift=${ICOUNT_SHIFT} -kernel ${GUEST} ${qemu_args}
  INPUT_FILE ${STDIN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
string(REPLACE "\r" "" out "${out}")

set(failures "")
if(rc STREQUAL "124")
  string(APPEND failures "QEMU did not finish within 60 s (the guest did not power off)\n")
elseif(NOT rc STREQUAL "0")
  string(APPEND failures "QEMU exited with '${rc}'\n")
endif()

if(DEFINED EXPECT_LINES)
  # Walk the output once; each expected line must be found after the previous one. Lines
  # become list items: the characters CMake's lists treat specially are hidden first.
  foreach(text out expected)
    set(hidden "${${text}}")
    string(REPLACE ";" "<semicolon>" hidden "${hidden}")
    string(REPLACE "[" "<open>" hidden "${hidden}")
    string(REPLACE "]" "<close>" hidden "${hidden}")
    string(REPLACE "\n" ";" ${text}_lines "${hidden}")
  endforeach()
  list(LENGTH out_lines out_count)
  list(REMOVE_ITEM expected_lines "")
  if(NOT expected_lines)
    message(FATAL_ERROR "${EXPECT_LINES} has no lines to look for")
  endif()
  set(position 0)
  foreach(line IN LISTS expected_lines)
    set(found FALSE)
    while(position LESS out_count)
      list(GET out_lines ${position} candidate)
      math(EXPR position "${position} + 1")
      if(candidate STREQUAL line)
        set(found TRUE)
        break()
      endif()
    endwhile()
    if(NOT found)
      string(REPLACE "<semicolon>" ";" line "${line}")
      string(REPLACE "<open>" "[" line "${line}")
      string(REPLACE "<close>" "]" line "${line}")
      string(APPEND failures "the line '${line}' of ${EXPECT_LINES} is missing (or out of order):\n--- got\n${out}---\n")
      break()
    endif()
  endforeach()
elseif(NOT out STREQUAL expected)
  string(APPEND failures "console output differs from ${EXPECT_STDOUT}:\n--- expected\n${expected}--- got\n${out}---\n")
endif()

if(failures)
  message(FATAL_ERROR "${GUEST} on QEMU (-smp ${SMP} -icount shift=${ICOUNT_SHIFT}):\n${failures}QEMU's standard error:\n${err}")
endif()
message(STATUS "${GUEST} on QEMU (-smp ${SMP} -icount shift=${ICOUNT_SHIFT}): ok")
