# gdb-multiarch's reverse execution against the stub (check_gdb_reverse.sh puts the port in
# `target remote`): reverse-stepi and reverse-continue, then detach.
set pagination off
set confirm off
break main
continue
stepi
stepi
stepi
info registers pc
print/x $x8
reverse-stepi
info registers pc
reverse-stepi
reverse-stepi
info registers pc
stepi
stepi
stepi
info registers pc
print/x $x8
reverse-continue
info registers pc
reverse-continue
info registers pc
detach
