# gdb-multiarch against a machine of two VMs running the same guest (v5-round-robin.json):
# each VM an inferior, each vCPU a thread; a breakpoint in the second VM's main stops there
# though the first VM passed main before (check_gdb_vms.sh puts the port in `target
# extended-remote`).
set pagination off
set confirm off
set schedule-multiple on
info threads
add-inferior -exec build-guest-placeholder
inferior 2
attach 2
info threads
info inferiors
# An address breakpoint belongs to the current inferior's program space: GDB inserts it
# with a thread of VM b selected, and the stub keeps it to b. (`break main` would insert
# it in both inferiors, and VM a reaches main first.)
break *main
info breakpoints
continue
info threads
info registers pc
print/x $sp
monitor where
inferior 1
info registers pc
detach
inferior 2
detach
