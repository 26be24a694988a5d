# Boots a guest on QEMU's virt machine and checks its console output against an expected file.
#
#   cmake -DQEMU=qemu-system-aarch64 -DGUEST=X.elf -DEXPECT_STDOUT=file [-DICOUNT_SHIFT=n] -P check_qemu.cmake
#
# QEMU's serial console may end lines with \r\n; only the text is compared. The guest must
# power off by itself (PSCI SYSTEM_OFF makes QEMU exit with status 0) within 60 seconds.
#
# Time is virtual, as on Trapeze: -icount shift=0 makes one instruction one nanosecond, so the
# guest's timer follows the instructions it runs, not the host's clock. Another ICOUNT_SHIFT
# (one instruction = 2^n ns) moves every tick to another instruction: a guest whose output
# must not depend on where ticks land is also run that way.
if(NOT DEFINED ICOUNT_SHIFT)
  set(ICOUNT_SHIFT 0)
endif()

execute_process(
  COMMAND timeout 60 ${QEMU} -M virt,gic-version=3 -cpu cortex-a57 -nographic -nic none -icount shift=${ICOUNT_SHIFT}
          -kernel ${GUEST}
  INPUT_FILE /dev/null OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
string(REPLACE "\r" "" out "${out}")
file(READ ${EXPECT_STDOUT} expected)

set(failures "")
if(rc STREQUAL "124")
  string(APPEND failures "QEMU did not finish within 60 s (the guest did not power off)\n")
elseif(NOT rc STREQUAL "0")
  string(APPEND failures "QEMU exited with '${rc}'\n")
endif()
if(NOT out STREQUAL expected)
  string(APPEND failures "console output differs from ${EXPECT_STDOUT}:\n--- expected\n${expected}--- got\n${out}---\n")
endif()
if(failures)
  message(FATAL_ERROR "${GUEST} on QEMU:\n${failures}QEMU's standard error:\n${err}")
endif()
message(STATUS "${GUEST} on QEMU: ok")
