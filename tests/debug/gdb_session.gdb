# A gdb-multiarch session against the stub (check_gdb.sh puts the port in `target remote`).
set pagination off
set confirm off
info registers pc cpsr
break main
continue
info registers pc
x/2xg $sp
stepi
info registers pc
info threads
print ticks
watch ticks
continue
delete
monitor explain
monitor runq
monitor frob
monitor step
info registers VBAR_EL1
print/x $ELR_EL1
set var $x22 = 0x1234
print/x $x22
detach
