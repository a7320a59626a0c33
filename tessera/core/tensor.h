#pragma once
// Tensor: a cheap, reference-counted handle to an n-d array (or, while tracing, to a value in a graph).
//
// Views share storage with the tensor they come from; `contiguous()` copies only when needed. Methods that
// compute (x.sum(), x.exp(), x + y) are declared here and defined in tessera/ops/, so users write
// `loss.backward()` while core/ includes nothing above it (see ../../DESIGN.md, "Key types").
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "tessera/core/device.h"
#include "tessera/core/dtype.h"
#include "tessera/core/error.h"
#include "tessera/core/scalar.h"
#include "tessera/core/shape.h"
#include "tessera/core/storage.h"

namespace tessera {

struct AutogradMeta;  // defined in tessera/autograd/
struct SymbolicInfo;  // defined in tessera/graph/: the graph value a symbolic tensor stands for
class Generator;      // tessera/core/rng.h

/// dtype, device and requires_grad of a tensor to create: `zeros({2, 3}, kFloat64)`,
/// `ones({3}, TensorOptions().dtype(kFloat64).requires_grad(true))`.
class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(DType d) : dtype_(d) {}        // NOLINT: implicit so a DType can stand for options
  TensorOptions(Device d) : device_(d) {}      // NOLINT
  TensorOptions(DeviceType d) : device_(d) {}  // NOLINT
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  bool requires_grad() const { return requires_grad_; }
  TensorOptions dtype(DType d) const {
    auto o = *this;
    o.dtype_ = d;
    return o;
  }
  TensorOptions device(Device d) const {
    auto o = *this;
    o.device_ = d;
    return o;
  }
  TensorOptions requires_grad(bool r) const {
    auto o = *this;
    o.requires_grad_ = r;
    return o;
  }

 private:
  DType dtype_ = kDefaultFloat;
  Device device_{};
  bool requires_grad_ = false;
};

/// What a Tensor handle points to. Concrete tensors have storage; symbolic ones (tracing) have `symbolic`.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  ///< In elements, into storage.
  Shape shape;
  Strides strides;  ///< In elements.
  DType dtype = kDefaultFloat;
  Device device{};
  std::shared_ptr<AutogradMeta> autograd;  ///< Null until autograd needs it.
  std::shared_ptr<SymbolicInfo> symbolic;  ///< Non-null for a symbolic tensor.
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- Metadata (core) -------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Shape& sizes() const { return impl().shape; }
  int64_t dim() const { return static_cast<int64_t>(impl().shape.size()); }
  /// Size of dimension `d` (negative counts from the end); IndexError when out of range.
  int64_t size(int64_t d) const;
  const Strides& strides() const { return impl().strides; }
  int64_t stride(int64_t d) const;
  int64_t numel() const { return tessera::numel(impl().shape); }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().device; }
  TensorOptions options() const { return TensorOptions(dtype()).device(device()); }
  size_t element_size() const { return itemsize(dtype()); }
  int64_t storage_offset() const { return impl().offset; }
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  bool is_contiguous() const;
  bool is_floating_point() const { return tessera::is_floating_point(dtype()); }
  bool is_symbolic() const { return defined() && impl_->symbolic != nullptr; }
  /// True when both handles point to the same tensor (not: equal values).
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  TensorImpl& impl() const;
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  /// Pointer to the first element (storage + offset). Throws DTypeError when T is not the tensor's dtype.
  template <class T>
  T* data_ptr() const {
    check<DTypeError>(dtype_of_v<std::remove_const_t<T>> == dtype(), "data_ptr: tensor has dtype ", dtype(),
                      ", requested ", dtype_of_v<std::remove_const_t<T>>);
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const;
  /// The value of a one-element tensor; ValueError otherwise. `item<T>()` converts like a C++ cast.
  Scalar item() const;
  template <class T>
  T item() const {
    return item().to<T>();
  }

  // ---- Views and copies (tessera/ops/shape.cpp) ---------------------------------------------------
  Tensor view(Shape shape) const;     ///< Same storage; -1 infers one size; ShapeError if strides forbid.
  Tensor reshape(Shape shape) const;  ///< A view when possible, else a copy.
  Tensor permute(std::vector<int64_t> dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;  ///< transpose(0, 1) of a 2-d tensor (0-d and 1-d returned as is).
  Tensor slice(int64_t dim, std::optional<int64_t> start = {}, std::optional<int64_t> end = {}, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor expand(Shape shape) const;  ///< -1 keeps a size; new leading dims allowed.
  Tensor broadcast_to(Shape shape) const { return expand(std::move(shape)); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor as_strided(Shape size, Strides stride, std::optional<int64_t> storage_offset = {}) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;  ///< Returns *this when the dtype already matches (like PyTorch).

  // ---- Elementwise (tessera/ops/unary.cpp, binary.cpp) ---------------------------------------------
  Tensor neg() const;
  Tensor abs() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor pow(const Tensor& exponent) const;
  Tensor pow(Scalar exponent) const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = {}) const;

  // ---- Reductions (tessera/ops/reduce.cpp) ----------------------------------------------------------
  // `dims` empty = all dims.
  Tensor sum(std::vector<int64_t> dims = {}, bool keepdim = false) const;
  Tensor mean(std::vector<int64_t> dims = {}, bool keepdim = false) const;
  Tensor prod(std::vector<int64_t> dims = {}, bool keepdim = false) const;
  Tensor amax(std::vector<int64_t> dims = {}, bool keepdim = false) const;
  Tensor amin(std::vector<int64_t> dims = {}, bool keepdim = false) const;
  Tensor var(std::vector<int64_t> dims = {}, bool unbiased = true, bool keepdim = false) const;
  Tensor std(std::vector<int64_t> dims = {}, bool unbiased = true, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = {}, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = {}, bool keepdim = false) const;
  Tensor all() const;
  Tensor any() const;

  // ---- Linear algebra (tessera/ops/linalg.cpp) ----------------------------------------------------
  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;

  // ---- In-place (tessera/ops/inplace.cpp); each bumps the storage's version counter ----------------
  Tensor& fill_(Scalar value);
  Tensor& zero_();
  Tensor& copy_(const Tensor& src);  ///< Broadcasts src to this shape and converts dtype.
  Tensor& uniform_(double from = 0.0, double to = 1.0, Generator* gen = nullptr);
  Tensor& normal_(double mean = 0.0, double std = 1.0, Generator* gen = nullptr);

  // ---- Autograd (tessera/autograd/tensor_autograd.cpp) ---------------------------------------------
  bool requires_grad() const;
  /// Marks a leaf tensor as needing gradients (float dtypes only: DTypeError otherwise, like PyTorch).
  Tensor& requires_grad_(bool requires_grad = true);
  /// The accumulated gradient of a leaf (undefined until backward reaches it, or for non-leaves unless
  /// retain_grad() was called).
  Tensor grad() const;
  /// Replaces (or with an undefined tensor clears) the stored gradient: `p.set_grad({})` is zero_grad(set_to_none).
  void set_grad(const Tensor& grad) const;
  /// Backpropagates from this tensor. `gradient` is required for non-scalar tensors (ValueError otherwise).
  void backward(const Tensor& gradient = {}, bool retain_graph = false, bool create_graph = false) const;
  /// A new tensor sharing storage but cut from the graph (requires_grad false).
  Tensor detach() const;
  /// True for tensors not produced by a recorded op (user-created, or results of ops on tensors needing no grad).
  bool is_leaf() const;
  /// Keeps the gradient of a non-leaf in grad() after backward.
  void retain_grad() const;
  /// Registers `hook(grad)`, called when this tensor's gradient is computed; returning a defined tensor replaces
  /// the gradient. Returns an id for remove_hook.
  int64_t register_hook(std::function<Tensor(const Tensor&)> hook) const;
  void remove_hook(int64_t id) const;
  /// Name of the op that produced this tensor in the tape ("" for leaves), e.g. "mul".
  std::string grad_fn_name() const;

  /// PyTorch-style text (tessera/core/print.cpp).
  std::string str() const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

/// An uninitialised contiguous tensor (the one creation function in core; the rest are in ops/creation.h).
Tensor empty(Shape shape, TensorOptions options = {});
/// A tensor viewing existing storage.
Tensor make_view(const Tensor& base, Shape shape, Strides strides, int64_t offset);

// ---- Operators (tessera/ops/binary.cpp, compare.cpp) ----------------------------------------------
// Arithmetic follows PyTorch's promotion; `/` is true division (integers give the default float dtype).
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(Scalar a, const Tensor& b);
Tensor operator-(const Tensor& a);
// Comparisons return bool tensors.
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, Scalar b);
Tensor operator!=(const Tensor& a, Scalar b);
Tensor operator<(const Tensor& a, Scalar b);
Tensor operator<=(const Tensor& a, Scalar b);
Tensor operator>(const Tensor& a, Scalar b);
Tensor operator>=(const Tensor& a, Scalar b);
// Logical ops on any dtype (nonzero = true) return bool tensors.
Tensor operator&&(const Tensor& a, const Tensor& b);
Tensor operator||(const Tensor& a, const Tensor& b);
Tensor operator!(const Tensor& a);

}  // namespace tessera
