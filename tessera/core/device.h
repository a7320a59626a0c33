#pragma once
// Where a tensor lives. Only the CPU has kernels today; CUDA slots in later without an API change.
#include <ostream>
#include <string>

namespace tessera {

enum class DeviceType : uint8_t { CPU, CUDA };
inline constexpr int kNumDeviceTypes = 2;

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = -1;  ///< -1: the current device of that type.

  Device() = default;
  Device(DeviceType t, int i = -1) : type(t), index(i) {}  // NOLINT: `Device d = kCPU` reads well
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device&) const = default;
  std::string str() const {
    std::string s = type == DeviceType::CPU ? "cpu" : "cuda";
    return index >= 0 ? s + ":" + std::to_string(index) : s;
  }
};
inline std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

}  // namespace tessera
