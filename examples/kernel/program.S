// The user program the kernel runs as its first process, an ELF file carried in the kernel
// image. The build defines USER_PROGRAM (the file's path) and USER_PROGRAM_NAME.
    .section .rodata.user_program, "a"
    .balign 16
    .global user_program, user_program_end, user_program_name
user_program:
    .incbin USER_PROGRAM
user_program_end:
user_program_name:
    .asciz USER_PROGRAM_NAME
