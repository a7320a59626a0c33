#pragma once
// Calls a generic lambda with the C++ type of a runtime DType: `visit_dtype(d, [&]<class T>() {...})`.
#include "tessera/core/dtype.h"
#include "tessera/core/error.h"

namespace tessera {

template <class F>
decltype(auto) visit_dtype(DType d, F&& f) {
  switch (d) {
    case DType::Bool:
      return f.template operator()<bool>();
    case DType::UInt8:
      return f.template operator()<uint8_t>();
    case DType::Int32:
      return f.template operator()<int32_t>();
    case DType::Int64:
      return f.template operator()<int64_t>();
    case DType::Float16:
      return f.template operator()<Half>();
    case DType::BFloat16:
      return f.template operator()<BFloat16>();
    case DType::Float32:
      return f.template operator()<float>();
    case DType::Float64:
      return f.template operator()<double>();
  }
  throw DTypeError("visit_dtype: unknown dtype");
}

/// Like visit_dtype but only for float32/float64 (the types BLAS and most math kernels compute in);
/// `op` names the caller in the error for any other dtype.
template <class F>
decltype(auto) visit_float(DType d, const char* op, F&& f) {
  switch (d) {
    case DType::Float32:
      return f.template operator()<float>();
    case DType::Float64:
      return f.template operator()<double>();
    default:
      throw DTypeError(cat(op, ": expected float32 or float64, got ", d));
  }
}

}  // namespace tessera
