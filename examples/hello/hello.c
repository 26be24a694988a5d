// The smallest guest: one line on the console, then power off.
#include "guest.h"

int main(void) {
    uart_puts("Hello from the guest\n");
    return 0;
}
