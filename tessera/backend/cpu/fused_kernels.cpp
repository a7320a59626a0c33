// CPU kernel of fused_elementwise: the elements are cut into blocks of kBlock; for each block the whole program
// runs over block-sized register arrays that stay in L1, so memory is read once per input and written once.
#include <algorithm>
#include <cmath>
#include <vector>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/vector_math.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/fused.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

constexpr int64_t kBlock = 512;

// Operands are contiguous (stride 1) or one broadcast element (stride 0); each case gets its own loop so the
// compiler can vectorize the contiguous ones.
template <class T, class F>
void unary(const T* a, int64_t sa, T* out, int64_t n, F f) {
  if (sa == 0) {
    std::fill(out, out + n, f(a[0]));
    return;
  }
  for (int64_t j = 0; j < n; ++j) out[j] = f(a[j]);
}

template <class T, class F>
void binary(const T* a, int64_t sa, const T* b, int64_t sb, T* out, int64_t n, F f) {
  if (sa != 0 && sb != 0) {
    for (int64_t j = 0; j < n; ++j) out[j] = f(a[j], b[j]);
  } else if (sa != 0) {
    const T bv = b[0];
    for (int64_t j = 0; j < n; ++j) out[j] = f(a[j], bv);
  } else if (sb != 0) {
    const T av = a[0];
    for (int64_t j = 0; j < n; ++j) out[j] = f(av, b[j]);
  } else {
    std::fill(out, out + n, f(a[0], b[0]));
  }
}

template <class T>
void run_instr(const FusedInstr& ins, const T* a, int64_t sa, const T* b, int64_t sb, T* out, int64_t n) {
  const T alpha = static_cast<T>(ins.alpha);
  switch (ins.op) {
    case FusedOp::kAdd:
      return binary(a, sa, b, sb, out, n, [alpha](T x, T y) { return x + alpha * y; });
    case FusedOp::kSub:
      return binary(a, sa, b, sb, out, n, [alpha](T x, T y) { return x - alpha * y; });
    case FusedOp::kMul:
      return binary(a, sa, b, sb, out, n, [](T x, T y) { return x * y; });
    case FusedOp::kDiv:
      return binary(a, sa, b, sb, out, n, [](T x, T y) { return x / y; });
    case FusedOp::kMaximum:  // NaN propagates, as in torch.maximum
      return binary(a, sa, b, sb, out, n, [](T x, T y) { return x != x || y != y ? x + y : std::max(x, y); });
    case FusedOp::kMinimum:
      return binary(a, sa, b, sb, out, n, [](T x, T y) { return x != x || y != y ? x + y : std::min(x, y); });
    case FusedOp::kNeg:
      return unary(a, sa, out, n, [](T x) { return -x; });
    case FusedOp::kAbs:
      return unary(a, sa, out, n, [](T x) { return std::abs(x); });
    case FusedOp::kExp:
      return unary(a, sa, out, n, [](T x) { return math_of<T>::exp(x); });
    case FusedOp::kLog:
      return unary(a, sa, out, n, [](T x) { return math_of<T>::log(x); });
    case FusedOp::kSqrt:
      return unary(a, sa, out, n, [](T x) { return std::sqrt(x); });
    case FusedOp::kRsqrt:
      return unary(a, sa, out, n, [](T x) { return T(1) / std::sqrt(x); });
    case FusedOp::kSin:
      return unary(a, sa, out, n, [](T x) { return std::sin(x); });
    case FusedOp::kCos:
      return unary(a, sa, out, n, [](T x) { return std::cos(x); });
    case FusedOp::kTanh:
      return unary(a, sa, out, n, [](T x) { return math_of<T>::tanh(x); });
    case FusedOp::kSigmoid:
      return unary(a, sa, out, n, [](T x) { return math_of<T>::sigmoid(x); });
    case FusedOp::kRelu:  // NaN stays NaN, as in torch.relu
      return unary(a, sa, out, n, [](T x) { return x > T(0) || x != x ? x : T(0); });
    case FusedOp::kSquare:
      return unary(a, sa, out, n, [](T x) { return x * x; });
    case FusedOp::kReciprocal:
      return unary(a, sa, out, n, [](T x) { return T(1) / x; });
  }
}

template <class T>
void run_program(const FusedElementwiseAttrs& p, const std::vector<Tensor>& in, T* out, int64_t numel) {
  const size_t ni = in.size(), np = p.program.size();
  std::vector<const T*> base(ni);
  std::vector<int64_t> stride(ni);  // 1, or 0 for a broadcast one-element input
  for (size_t i = 0; i < ni; ++i) {
    base[i] = in[i].data_ptr<const T>();
    stride[i] = in[i].numel() == 1 && numel != 1 ? 0 : 1;
  }
  const int64_t blocks = (numel + kBlock - 1) / kBlock;
  parallel_for(0, blocks, 8, [&](int64_t b0, int64_t b1) {
    std::vector<T> regs(np * kBlock);  // one block per instruction (the last writes straight to `out`)
    for (int64_t blk = b0; blk < b1; ++blk) {
      const int64_t start = blk * kBlock, n = std::min(kBlock, numel - start);
      auto reg = [&](int32_t r, int64_t& s) -> const T* {
        if (r < static_cast<int32_t>(ni)) {
          s = stride[static_cast<size_t>(r)];
          return base[static_cast<size_t>(r)] + start * s;
        }
        s = 1;
        return regs.data() + static_cast<size_t>(r - static_cast<int32_t>(ni)) * kBlock;
      };
      for (size_t k = 0; k < np; ++k) {
        const FusedInstr& ins = p.program[k];
        int64_t sa = 0, sb = 0;
        const T* a = reg(ins.a, sa);
        const T* b = ins.b >= 0 ? reg(ins.b, sb) : nullptr;
        T* dst = k + 1 == np ? out + start : regs.data() + k * kBlock;
        run_instr<T>(ins, a, sa, b, sb, dst, n);
      }
    }
  });
}

std::vector<Tensor> fused_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> types) {
  const auto& p = attrs_as<FusedElementwiseAttrs>(attrs);
  const std::vector<Tensor> inputs = as_contiguous(in);
  Tensor out = empty(types[0].shape, TensorOptions(types[0].dtype).device(types[0].device));
  if (out.numel() == 0) return {out};
  visit_float(out.dtype(), "fused_elementwise",
              [&]<class T>() { run_program<T>(p, inputs, out.data_ptr<T>(), out.numel()); });
  return {out};
}

}  // namespace

void register_fused_kernels(Registry& r) { r.set_kernel("fused_elementwise", kCPU, fused_kernel); }

}  // namespace tessera::cpu
