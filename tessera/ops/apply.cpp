#include "tessera/ops/apply.h"

#include "tessera/ops/interpreter.h"

namespace tessera {

std::vector<Tensor> apply(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs) {
  std::vector<TensorType> in_types;
  in_types.reserve(inputs.size());
  for (const Tensor& t : inputs) {
    check(t.defined(), def.name, ": got an undefined tensor as input");
    in_types.push_back(type_of(t));
  }
  Interpreter& interp = current_interpreter();
  std::vector<TensorType> out_types;
  try {
    out_types = def.infer(in_types, attrs);
  } catch (const Error&) {
    interp.rethrow_infer_error(def);
  }
  return interp.process(def, inputs, attrs, std::move(out_types));
}

Tensor apply1(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs) {
  std::vector<Tensor> out = apply(def, inputs, attrs);
  check(out.size() == 1, def.name, ": expected one output, the op returned ", out.size());
  return std::move(out[0]);
}

}  // namespace tessera
