#include "tessera/core/dtype.h"

#include <algorithm>

namespace tessera {

size_t itemsize(DType d) {
  switch (d) {
    case DType::Bool:
    case DType::UInt8:
      return 1;
    case DType::Float16:
    case DType::BFloat16:
      return 2;
    case DType::Int32:
    case DType::Float32:
      return 4;
    case DType::Int64:
    case DType::Float64:
      return 8;
  }
  return 0;
}

std::string_view dtype_name(DType d) {
  switch (d) {
    case DType::Bool:
      return "bool";
    case DType::UInt8:
      return "uint8";
    case DType::Int32:
      return "int32";
    case DType::Int64:
      return "int64";
    case DType::Float16:
      return "float16";
    case DType::BFloat16:
      return "bfloat16";
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, DType d) { return os << dtype_name(d); }

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if ((a == DType::Float16 && b == DType::BFloat16) || (a == DType::BFloat16 && b == DType::Float16)) {
    return DType::Float32;
  }
  // The enum is declared in promotion order, so the larger one wins everywhere else.
  return static_cast<DType>(std::max(static_cast<uint8_t>(a), static_cast<uint8_t>(b)));
}

}  // namespace tessera
