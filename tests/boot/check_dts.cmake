# Dumps the device tree a target makes (--dump-dtb), decompiles it with dtc and compares the
# source with the golden one byte for byte; dtc must not warn about it either.
#   cmake -DTARGET=... -DARGS=a|b|... -DDTB=out.dtb -DEXPECTED=golden.dts -P check_dts.cmake
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${TARGET} ${args} --dump-dtb ${DTB} RESULT_VARIABLE status ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "--dump-dtb failed (${status}): ${err}")
endif()
execute_process(COMMAND dtc -I dtb -O dts ${DTB} RESULT_VARIABLE status OUTPUT_VARIABLE dts ERROR_VARIABLE warnings)
if(NOT status EQUAL 0 OR NOT warnings STREQUAL "")
  message(FATAL_ERROR "dtc -I dtb -O dts ${DTB} (${status}):\n${warnings}")
endif()
file(READ ${EXPECTED} expected)
if(NOT dts STREQUAL expected)
  file(WRITE ${DTB}.dts "${dts}")
  message(FATAL_ERROR "the decompiled tree differs from ${EXPECTED}; it is in ${DTB}.dts:\n${dts}")
endif()
