#include "tessera/core/tensor.h"

#include "tessera/core/dtype_dispatch.h"

namespace tessera {

TensorImpl& Tensor::impl() const {
  check(impl_ != nullptr, "Tensor: used an undefined tensor (default-constructed handle)");
  return *impl_;
}

int64_t Tensor::size(int64_t d) const { return impl().shape[wrap_dim(d, dim(), "size")]; }

int64_t Tensor::stride(int64_t d) const { return impl().strides[wrap_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  const auto& t = impl();
  int64_t expected = 1;
  for (size_t i = t.shape.size(); i-- > 0;) {
    if (t.shape[i] == 1) continue;  // a size-1 dim's stride never matters
    if (t.strides[i] != expected) return t.shape[i] == 0 || numel() == 0;
    expected *= t.shape[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  const auto& t = impl();
  check(t.storage != nullptr, "data: tensor has no storage (symbolic tensors hold no data)");
  return static_cast<char*>(t.storage->data()) + t.offset * static_cast<int64_t>(itemsize(t.dtype));
}

Scalar Tensor::item() const {
  check<ValueError>(numel() == 1, "item: expected a tensor with one element, got shape ", fmt_shape(shape()));
  return visit_dtype(dtype(), [&]<class T>() { return Scalar(*static_cast<const T*>(raw_data())); });
}

Tensor empty(Shape shape, TensorOptions options) {
  for (int64_t s : shape) check<ValueError>(s >= 0, "empty: negative size in shape ", fmt_shape(shape));
  check<NotImplementedError>(options.device().is_cpu(), "empty: no allocator for device ", options.device());
  auto impl = std::make_shared<TensorImpl>();
  size_t nbytes = static_cast<size_t>(tessera::numel(shape)) * itemsize(options.dtype());
  impl->storage = std::make_shared<Storage>(nbytes, cpu_allocator());
  impl->strides = contiguous_strides(shape);
  impl->shape = std::move(shape);
  impl->dtype = options.dtype();
  impl->device = options.device();
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, Shape shape, Strides strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->offset = offset;
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->dtype = base.dtype();
  impl->device = base.device();
  return Tensor(std::move(impl));
}

}  // namespace tessera
