#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/loops.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/ops/copy.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {

void copy_into(Tensor& dst, const Tensor& src) {
  visit_dtype(dst.dtype(), [&]<class Out>() {
    visit_dtype(src.dtype(), [&]<class In>() {
      if constexpr (std::is_same_v<Out, bool>) {
        map<Out, In>(dst, [](In v) { return static_cast<float>(v) != 0.0f; }, {src});
      } else if constexpr (std::is_same_v<In, Half> || std::is_same_v<In, BFloat16>) {
        map<Out, In>(dst, [](In v) { return static_cast<float>(v); }, {src});
      } else {
        map<Out, In>(dst, [](In v) { return v; }, {src});
      }
    });
  });
}

Tensor as_contiguous(const Tensor& src, DType dtype) {
  if (src.dtype() == dtype && src.is_contiguous()) return src;
  Tensor out = empty(src.shape(), TensorOptions(dtype).device(src.device()));
  copy_into(out, src);
  return out;
}

std::vector<Tensor> as_contiguous(std::span<const Tensor> src) {
  std::vector<Tensor> out;
  out.reserve(src.size());
  for (const Tensor& t : src) out.push_back(as_contiguous(t));
  return out;
}

namespace {

std::vector<Tensor> to_dtype_kernel(std::span<const Tensor> in, const Attrs& a, std::span<const TensorType>) {
  Tensor out = empty(in[0].shape(), TensorOptions(attrs_as<ToDTypeAttrs>(a).dtype).device(in[0].device()));
  copy_into(out, in[0]);
  return {out};
}

std::vector<Tensor> contiguous_kernel(std::span<const Tensor> in, const Attrs&, std::span<const TensorType>) {
  const Tensor& x = in[0];
  if (x.is_contiguous()) return {make_view(x, x.shape(), x.strides(), x.storage_offset())};
  Tensor out = empty(x.shape(), x.options());
  copy_into(out, x);
  return {out};
}

std::vector<Tensor> clone_kernel(std::span<const Tensor> in, const Attrs&, std::span<const TensorType>) {
  Tensor out = empty(in[0].shape(), in[0].options());
  copy_into(out, in[0]);
  return {out};
}

std::vector<Tensor> copy_kernel(std::span<const Tensor> in, const Attrs&, std::span<const TensorType>) {
  Tensor dst = in[0];
  copy_into(dst, in[1]);
  return {make_view(dst, dst.shape(), dst.strides(), dst.storage_offset())};
}

}  // namespace

void register_copy_kernels(Registry& r) {
  r.set_kernel("to_dtype", kCPU, to_dtype_kernel);
  r.set_kernel("contiguous", kCPU, contiguous_kernel);
  r.set_kernel("clone", kCPU, clone_kernel);
  r.set_kernel("copy_", kCPU, copy_kernel);
}

}  // namespace tessera::cpu
