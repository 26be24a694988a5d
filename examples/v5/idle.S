// A v5 guest that does nothing: it waits in WFI for an interrupt that never comes (it arms no
// timer and enables no interrupt). The idle neighbour of examples/scenarios/v5-idle-neighbour.json:
// a VM that takes none of its pCPU. The VMM stops it when nothing else is left to run.
    .text
    .global _start
    .type _start, %function
_start:
    wfi
    b       _start
    .size _start, . - _start
