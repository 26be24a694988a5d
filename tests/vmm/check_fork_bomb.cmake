# The fork-bomb question across VMs (the lecture's v4 question, asked of the VMM): does a VM
# running a fork bomb take more of the pCPU from its neighbour than a VM with one busy
# program does? Runs the compute guest beside each neighbour and compares the compute VM's
# %CPU (its instructions over the virtual time it ran: its share of the pCPU).
#
#   cmake -DTARGET=trapeze-v5 -DSCENARIOS=dir -DWITHIN=3 -P check_fork_bomb.cmake
#
# Passes when the compute VM's share beside the fork bomb is within WITHIN points of its
# share beside one busy program; prints its share beside an idle neighbour too (all of it).

# cpu_share(OUT scenario): the compute VM's %CPU in that scenario's summary.
function(cpu_share out scenario)
  execute_process(COMMAND ${TARGET} ${SCENARIOS}/${scenario}.json INPUT_FILE /dev/null OUTPUT_QUIET
                  ERROR_VARIABLE summary)
  if(NOT summary MATCHES "\n  compute +[0-9]+ +[0-9.]+% +([0-9.]+)%")
    message(FATAL_ERROR "${scenario}: no share for the compute VM in its summary:\n${summary}")
  endif()
  set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()

cpu_share(bomb v5-forkbomb-neighbour)
cpu_share(busy v5-busy-neighbour)
cpu_share(idle v5-idle-neighbour)
message(STATUS "the compute VM's share of the pCPU beside a fork bomb (64 processes): ${bomb}%")
message(STATUS "the compute VM's share of the pCPU beside one busy program:           ${busy}%")
message(STATUS "the compute VM's share of the pCPU beside an idle VM:                 ${idle}%")

# In tenths of a percent: CMake's integer arithmetic.
string(REPLACE "." "" bomb_tenths ${bomb})
string(REPLACE "." "" busy_tenths ${busy})
math(EXPR difference "${bomb_tenths} - ${busy_tenths}")
if(difference LESS 0)
  math(EXPR difference "-${difference}")
endif()
math(EXPR within_tenths "${WITHIN} * 10")
if(difference GREATER within_tenths)
  message(FATAL_ERROR "the fork bomb's VM takes more than its share: the compute VM gets ${bomb}% beside it, "
                      "${busy}% beside one busy program (more than ${WITHIN} points apart)")
endif()
if(NOT idle STREQUAL "100.0")
  message(FATAL_ERROR "beside an idle VM the compute VM should have the whole pCPU, not ${idle}%")
endif()
