// A handler file whose solution block never ends.
#include "x.h"
int f() {
    // SOLUTION BEGIN
    return 1;
}
