#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/loops.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

std::vector<Tensor> full_kernel(std::span<const Tensor>, const Attrs& a, std::span<const TensorType> out_types) {
  Tensor out = empty(out_types[0].shape, TensorOptions(out_types[0].dtype).device(out_types[0].device));
  const Scalar value = attrs_as<FullAttrs>(a).value;
  visit_dtype(out.dtype(), [&]<class T>() {
    const T v = value.to<T>();
    map<T>(out, [v]() { return v; }, {});
  });
  return {out};
}

std::vector<Tensor> range_kernel(std::span<const Tensor>, const Attrs& a, std::span<const TensorType> out_types) {
  const auto& r = attrs_as<RangeAttrs>(a);
  Tensor out = empty(out_types[0].shape, TensorOptions(out_types[0].dtype).device(out_types[0].device));
  visit_dtype(out.dtype(), [&]<class T>() {
    T* p = out.data_ptr<T>();
    const int64_t half = r.n / 2;
    parallel_for(0, r.n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        // linspace fills its second half from the end so that the last value is exactly `end` (like PyTorch).
        double v = r.linspace && r.n > 1 && i >= half ? r.end - r.step * static_cast<double>(r.n - 1 - i)
                                                      : r.start + r.step * static_cast<double>(i);
        p[i] = static_cast<T>(v);
      }
    });
  });
  return {out};
}

std::vector<Tensor> eye_kernel(std::span<const Tensor>, const Attrs& a, std::span<const TensorType> out_types) {
  const auto& e = attrs_as<EyeAttrs>(a);
  Tensor out = empty(out_types[0].shape, TensorOptions(out_types[0].dtype).device(out_types[0].device));
  visit_dtype(out.dtype(), [&]<class T>() {
    T* p = out.data_ptr<T>();
    for (int64_t i = 0; i < e.n * e.m; ++i) p[i] = static_cast<T>(0.0f);
    for (int64_t i = 0; i < std::min(e.n, e.m); ++i) p[i * e.m + i] = static_cast<T>(1.0f);
  });
  return {out};
}

}  // namespace

void register_creation_kernels(Registry& r) {
  r.set_kernel("full", kCPU, full_kernel);
  r.set_kernel("range", kCPU, range_kernel);
  r.set_kernel("eye", kCPU, eye_kernel);
}

}  // namespace tessera::cpu
