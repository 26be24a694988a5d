// The error of the boot path: a kernel, initrd or device tree Trapeze cannot boot, named.
#pragma once

#include <stdexcept>

namespace trapeze {

class BootError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace trapeze
