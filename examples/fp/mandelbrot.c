// An FP guest: the Mandelbrot set in ASCII, z = z^2 + c in doubles (FMUL, FADD, FMADD, FCMP).
#include "fp.h"
#include "guest.h"

#define WIDTH 64
#define HEIGHT 24
#define MAX_ITERATIONS 256

int main(void) {
    static const char shades[] = " .:-=+*#%@";
    uint64_t total = 0;
    guest_printf("The Mandelbrot set, %d x %d, up to %d iterations, in doubles:\n", WIDTH, HEIGHT, MAX_ITERATIONS);
    for (int row = 0; row < HEIGHT; ++row) {
        char line[WIDTH + 1];
        const double ci = -1.2 + 2.4 * row / (HEIGHT - 1);
        for (int col = 0; col < WIDTH; ++col) {
            const double cr = -2.2 + 3.2 * col / (WIDTH - 1);
            double zr = 0.0, zi = 0.0;
            int n = 0;
            while (n < MAX_ITERATIONS && zr * zr + zi * zi <= 4.0) {
                const double next = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = next;
                ++n;
            }
            total += (uint64_t)n;
            line[col] = n >= MAX_ITERATIONS ? '@' : shades[n % 9];
        }
        line[WIDTH] = '\0';
        guest_printf("%s\n", line);
    }
    guest_printf("iterations: %lu, mean ", total);
    print_double((double)total / (WIDTH * HEIGHT), 4);
    guest_printf("\n");
    return 0;
}
