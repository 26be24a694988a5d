// PSCI 1.1 over HVC: the function IDs and return codes (Arm DEN 0022), and the calls the
// platform implements.
#pragma once

#include <cstdint>
#include <string_view>

namespace trapeze::psci {

inline constexpr std::uint32_t kVersion = 0x8400'0000;
inline constexpr std::uint32_t kCpuSuspend = 0xC400'0001;
inline constexpr std::uint32_t kCpuOff = 0x8400'0002;
inline constexpr std::uint32_t kCpuOn = 0xC400'0003;
inline constexpr std::uint32_t kAffinityInfo = 0xC400'0004;
inline constexpr std::uint32_t kSystemOff = 0x8400'0008;
inline constexpr std::uint32_t kSystemReset = 0x8400'0009;
inline constexpr std::uint32_t kFeatures = 0x8400'000A;

inline constexpr std::uint64_t kVersion1_1 = 0x0001'0001;
inline constexpr std::int64_t kSuccess = 0;
inline constexpr std::int64_t kNotSupported = -1;
inline constexpr std::int64_t kInvalidParameters = -2;
inline constexpr std::int64_t kDenied = -3;
inline constexpr std::int64_t kAlreadyOn = -4;
inline constexpr std::int64_t kOnPending = -5;
inline constexpr std::int64_t kInvalidAddress = -9;

// AFFINITY_INFO's answers.
inline constexpr std::uint64_t kAffinityOn = 0;
inline constexpr std::uint64_t kAffinityOff = 1;
inline constexpr std::uint64_t kAffinityOnPending = 2;

// "SYSTEM_OFF", "CPU_ON"... for traces; "unknown" for anything else.
std::string_view function_name(std::uint64_t function_id);

}  // namespace trapeze::psci
