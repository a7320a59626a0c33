#include "tessera/nn/packed_sequence.h"

#include "tessera/nn/module.h"
#include "tessera/ops/compare.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/shape.h"

namespace tessera::nn {

Tensor checked_lengths(const Tensor& lengths, int64_t batch, int64_t steps, const std::string& who) {
  check<DTypeError>(lengths.dtype() == kInt64 || lengths.dtype() == kInt32, who,
                    ": expected int64 or int32 lengths, got ", lengths.dtype());
  check<ShapeError>(lengths.dim() == 1 && lengths.size(0) == batch, who, ": expected lengths [", batch, "], got ",
                    shape_of(lengths));
  const Tensor l = lengths.to(kInt64);
  if (l.is_symbolic()) return l;
  const Tensor c = l.contiguous();
  const int64_t* p = c.data_ptr<const int64_t>();
  for (int64_t i = 0; i < batch; ++i) {
    check<ValueError>(p[i] >= 1 && p[i] <= steps, who, ": lengths[", i, "] = ", p[i], " is out of range [1, ", steps,
                      "]");
  }
  return l;
}

Tensor sequence_mask(const Tensor& lengths, int64_t steps) {
  return lt(arange(Scalar(steps), kInt64).view({steps, 1, 1}), lengths.view({1, -1, 1}));
}

PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths, bool batch_first, bool enforce_sorted) {
  check<ShapeError>(input.dim() >= 2, "pack_padded_sequence: expected input [L, N, *] or [N, L, *], got ",
                    shape_of(input));
  const int64_t steps = input.size(batch_first ? 1 : 0), batch = input.size(batch_first ? 0 : 1);
  Tensor l = checked_lengths(lengths, batch, steps, "pack_padded_sequence");
  if (enforce_sorted && !l.is_symbolic()) {
    const Tensor c = l.contiguous();
    const int64_t* p = c.data_ptr<const int64_t>();
    for (int64_t i = 1; i < batch; ++i) {
      check<ValueError>(p[i] <= p[i - 1], "pack_padded_sequence: lengths must be sorted in decreasing order when ",
                        "enforce_sorted is true (lengths[", i - 1, "] = ", p[i - 1], " < lengths[", i, "] = ", p[i],
                        "); pass enforce_sorted = false for any order");
    }
  }
  return {input, l, batch_first};
}

std::pair<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first, double padding_value,
                                              std::optional<int64_t> total_length) {
  Tensor data = sequence.batch_first ? sequence.data.transpose(0, 1) : sequence.data;  // [L, N, *]
  const int64_t steps = data.size(0);
  Shape mask_shape{steps, data.size(1)};
  mask_shape.resize(static_cast<size_t>(data.dim()), 1);
  data = where(sequence_mask(sequence.lengths, steps).view(mask_shape), data, Scalar(padding_value));
  int64_t target = steps;
  if (!sequence.lengths.is_symbolic()) {
    const int64_t longest = sequence.lengths.numel() > 0 ? sequence.lengths.amax().item<int64_t>() : 0;
    check<ValueError>(!total_length || *total_length >= longest, "pad_packed_sequence: total_length ",
                      total_length.value_or(0), " is less than the longest sequence (", longest, ")");
    target = longest;
  }
  if (total_length) target = *total_length;
  if (target < steps) {
    data = data.narrow(0, 0, target);
  } else if (target > steps) {
    Shape pad = data.shape();
    pad[0] = target - steps;
    data = cat({data, full(pad, Scalar(padding_value), data.dtype())}, 0);
  }
  return {batch_first ? data.transpose(0, 1) : data, sequence.lengths};
}

}  // namespace tessera::nn
