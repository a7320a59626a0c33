// The scan kernel: runs the body once per step on views of the sequences, and writes each step's outputs and
// starting carry into preallocated stacked outputs. The body's own nodes run their own kernels.
#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/ops/control_flow.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

// Row t of a stacked tensor [T, ...], as a view (no op call: kernels do not go through apply()).
Tensor row(const Tensor& t, int64_t i) {
  const Strides& st = t.strides();
  return make_view(t, Shape(t.shape().begin() + 1, t.shape().end()), Strides(st.begin() + 1, st.end()),
                   t.storage_offset() + i * st[0]);
}

std::vector<Tensor> scan_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType> types) {
  const auto& a = attrs_as<ScanAttrs>(attrs);
  const size_t k = static_cast<size_t>(a.num_carry), m = static_cast<size_t>(a.num_xs),
               p = static_cast<size_t>(a.num_closed), q = types.size() - (a.save_history ? 2 * k : k);
  std::vector<Tensor> out;
  for (const TensorType& t : types) out.push_back(empty(t.shape, TensorOptions(t.dtype).device(t.device)));
  std::vector<Tensor> step(k + m + p);
  for (size_t i = 0; i < k; ++i) step[i] = in[i];
  for (size_t i = 0; i < p; ++i) step[k + m + i] = in[k + m + i];
  for (int64_t s = 0; s < a.length; ++s) {
    const int64_t t = a.reverse ? a.length - 1 - s : s;
    for (size_t i = 0; a.save_history && i < k; ++i) {
      Tensor h = row(out[k + q + i], t);
      copy_into(h, step[i]);
    }
    for (size_t j = 0; j < m; ++j) step[k + j] = row(in[k + j], t);
    std::vector<Tensor> r = a.body->run(step);
    for (size_t j = 0; j < q; ++j) {
      Tensor y = row(out[k + j], t);
      copy_into(y, r[k + j]);
    }
    for (size_t i = 0; i < k; ++i) step[i] = r[i];
  }
  for (size_t i = 0; i < k; ++i) copy_into(out[i], step[i]);
  return out;
}

bool truth(const Tensor& t) { return as_contiguous(t, kBool).data_ptr<const bool>()[0]; }

std::vector<Tensor> cond_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType>) {
  const auto& a = attrs_as<CondAttrs>(attrs);
  return (truth(in[0]) ? a.then_body : a.else_body)->run(in.subspan(1));
}

std::vector<Tensor> while_kernel(std::span<const Tensor> in, const Attrs& attrs, std::span<const TensorType>) {
  const auto& a = attrs_as<WhileAttrs>(attrs);
  std::vector<Tensor> carry(in.begin(), in.end());
  while (truth(a.cond_body->run(carry).at(0))) carry = a.body->run(carry);
  for (size_t i = 0; i < carry.size(); ++i) {  // never hand back an input itself (zero steps): outputs are new
    if (!carry[i].is_same(in[i])) continue;
    Tensor copy = empty(in[i].shape(), TensorOptions(in[i].dtype()).device(in[i].device()));
    copy_into(copy, in[i]);
    carry[i] = copy;
  }
  return carry;
}

}  // namespace

void register_control_flow_kernels(Registry& r) {
  r.set_kernel("scan", kCPU, scan_kernel);
  r.set_kernel("cond", kCPU, cond_kernel);
  r.set_kernel("while_loop", kCPU, while_kernel);
}

}  // namespace tessera::cpu
