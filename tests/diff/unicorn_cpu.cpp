// The Unicorn engine behind the differential tests: set-up, state transfer, runs.
#include "tests/diff/unicorn_cpu.h"

#include <cstdlib>
#include <cstring>

namespace trapeze::diff {
namespace {

// X0..X28 are consecutive in Unicorn's enum, X29 and X30 are not.
constexpr int reg_id(unsigned n) {
    return n < 29 ? UC_ARM64_REG_X0 + static_cast<int>(n) : n == 29 ? UC_ARM64_REG_X29 : UC_ARM64_REG_X30;
}

void check(uc_err err, const char* what) {
    if (err != UC_ERR_OK) throw UnicornError(what, err);
}

}  // namespace

UnicornError::UnicornError(const std::string& what, uc_err err)
    : std::runtime_error("unicorn: " + what + ": " + uc_strerror(err)) {}

UnicornCpu::UnicornCpu() {
    check(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc_), "uc_open");
    // Must come before the first mapping: that is when Unicorn creates the CPU.
    check(uc_ctl_set_cpu_model(uc_, UC_CPU_ARM64_MAX), "uc_ctl_set_cpu_model(MAX)");
}

UnicornCpu::~UnicornCpu() {
    if (context_) uc_context_free(context_);
    if (uc_) uc_close(uc_);
}

std::uint8_t* UnicornCpu::map_ram(std::uint64_t base, std::uint64_t size) {
    auto* host = static_cast<std::uint8_t*>(std::aligned_alloc(4096, size));
    if (!host) throw std::bad_alloc();
    std::memset(host, 0, size);
    buffers_.emplace_back(host, std::free);
    check(uc_mem_map_ptr(uc_, base, size, UC_PROT_ALL, host), "uc_mem_map_ptr");
    return host;
}

namespace {

// The SIMD&FP part of the compared state: V0..V31, FPCR, FPSR (34 entries).
void simd_fp_registers(const State& s, int* ids, const void** where) {
    for (unsigned n = 0; n < 32; ++n) {
        ids[n] = UC_ARM64_REG_V0 + static_cast<int>(n);
        where[n] = &s.v[n];
    }
    ids[32] = UC_ARM64_REG_FPCR;
    where[32] = &s.fpcr;
    ids[33] = UC_ARM64_REG_FPSR;
    where[33] = &s.fpsr;
}

// Unicorn's ids of X0..X30, SP, PC, NZCV, V0..V31, FPCR and FPSR, and where each lives in a
// State.
constexpr int kGeneralRegisters = 34;
constexpr int kStateRegisters = kGeneralRegisters + 32 + 2;
static_assert(sizeof(VReg) == 16);  // Unicorn reads and writes V registers as 16 bytes, low first

void state_registers(const State& s, int (&ids)[kStateRegisters], const void* (&where)[kStateRegisters]) {
    for (unsigned n = 0; n < 31; ++n) {
        ids[n] = reg_id(n);
        where[n] = &s.x[n];
    }
    ids[31] = UC_ARM64_REG_SP;
    where[31] = &s.sp;
    ids[32] = UC_ARM64_REG_PC;
    where[32] = &s.pc;
    ids[33] = UC_ARM64_REG_NZCV;  // bits 31..28, as ours
    where[33] = &s.nzcv;
    simd_fp_registers(s, ids + kGeneralRegisters, where + kGeneralRegisters);
}

}  // namespace

void UnicornCpu::set_state(const State& s) {
    int ids[kStateRegisters];
    const void* values[kStateRegisters];
    state_registers(s, ids, values);
    check(uc_reg_write_batch(uc_, ids, const_cast<void* const*>(values), kStateRegisters), "uc_reg_write_batch");
}

State UnicornCpu::state() const {
    State s;
    int ids[kStateRegisters];
    const void* values[kStateRegisters];
    state_registers(s, ids, values);
    check(uc_reg_read_batch(uc_, ids, const_cast<void**>(values), kStateRegisters), "uc_reg_read_batch");
    return s;
}

uc_err UnicornCpu::run(std::uint64_t begin, std::uint64_t until, std::size_t count) {
    exception_number_ = -1;
    return uc_emu_start(uc_, begin, until, 0, count);
}

void UnicornCpu::on_interrupt(uc_engine* uc, std::uint32_t number, void* self) {
    auto& cpu = *static_cast<UnicornCpu*>(self);
    cpu.exception_number_ = static_cast<int>(number);
    // Save the state now: after the hook, while stopping at `until`, Unicorn may translate
    // code there and leave another fault's syndrome in its place.
    check(uc_context_save(uc, cpu.context_), "uc_context_save");
    uc_emu_stop(uc);
}

void UnicornCpu::catch_exceptions() {
    uc_hook hook;
    check(uc_hook_add(uc_, &hook, UC_HOOK_INTR, reinterpret_cast<void*>(&UnicornCpu::on_interrupt), this, 1, 0),
          "uc_hook_add(INTR)");
    check(uc_context_alloc(uc_, &context_), "uc_context_alloc");
}

namespace {

// QEMU keeps the pending exception as {uint32 syndrome; uint32 fsr; uint64 vaddress; ...}.
constexpr std::size_t kFarAfterEsr = 8;

}  // namespace

bool UnicornCpu::calibrate(std::uint32_t esr, std::uint64_t far) {
    if (exception_number_ < 0) return false;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(context_);
    const std::size_t size = uc_context_size(uc_);
    for (std::size_t at = 0; at + kFarAfterEsr + 8 <= size; at += 4) {
        std::uint32_t syndrome;
        std::uint64_t address;
        std::memcpy(&syndrome, bytes + at, 4);
        std::memcpy(&address, bytes + at + kFarAfterEsr, 8);
        if (syndrome == esr && address == far) {
            esr_offset_ = at;
            return true;
        }
    }
    return false;
}

std::optional<UnicornCpu::Exception> UnicornCpu::exception() {
    if (exception_number_ < 0) return std::nullopt;
    Exception e;
    e.number = exception_number_;
    if (esr_offset_) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(context_);
        std::memcpy(&e.esr, bytes + esr_offset_, 4);
        std::memcpy(&e.far, bytes + esr_offset_ + kFarAfterEsr, 8);
    }
    return e;
}

void UnicornCpu::forget_code(std::uint64_t begin, std::uint64_t end) {
    check(uc_ctl_remove_cache(uc_, begin, end), "uc_ctl_remove_cache");
}

}  // namespace trapeze::diff
