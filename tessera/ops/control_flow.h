#pragma once
// Control-flow ops: `scan`, a loop whose body is a traced function (Theano's scan, JAX's lax.scan). ops/ sees the
// body only through the Body interface; graph/ implements it with a traced graph (graph/traced_body.h), and the
// user-facing tessera::scan (graph/scan.h) loops eagerly or, while tracing, makes one scan node.
//
// Layout. Inputs: carries c (k), sequences xs (m, each [T, ...]), closed-over values (p). The body maps
// (c, x_t, closed) -> (c', y_t) with c' of c's types. Outputs: final carries (k), stacked y (q, each [T, ...]) and
// the carry history (k, each [T, ...]: the carry each step started from), which the gradient reads.
// Gradient (Note [Scan gradient]): a reverse scan whose body is the body's vector-Jacobian product, recomputing
// each step's forward from the saved carry (checkpointing: memory O(T * carry), not O(T * body)).
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tessera/ops/op.h"

namespace tessera {

/// A function of tensors that ops cannot see into (a traced graph, implemented in graph/).
class Body {
 public:
  virtual ~Body() = default;
  virtual size_t num_inputs() const = 0;
  virtual size_t num_outputs() const = 0;
  /// The output types for these input types; ShapeError/DTypeError naming `op` when they do not fit the body.
  virtual std::vector<TensorType> output_types(std::span<const TensorType> inputs, const char* op) const = 0;
  /// Runs the body on concrete tensors.
  virtual std::vector<Tensor> run(std::span<const Tensor> inputs) const = 0;
  /// The body of the reverse scan that differentiates a scan of this body with k carries, m sequences and p
  /// closed-over values (q = num_outputs() - k): inputs (g_c [k], acc [p], c_t [k], x_t [m], g_y_t [q],
  /// g_h_t [k] when `history_grads`, closed [p]), outputs (g_c_prev [k], acc + g_closed_t [p], g_x_t [m]), where
  /// g_h_t is the gradient arriving at the carry history (second-order gradients read the history).
  virtual std::shared_ptr<const Body> scan_vjp_body(int k, int m, int p, bool history_grads) const = 0;
  /// The body's vector-Jacobian product as a body: inputs (inputs..., one gradient per output...), outputs one
  /// gradient per input (zeros where the outputs do not depend on it).
  virtual std::shared_ptr<const Body> vjp_body() const = 0;
  /// A description that is equal for equal bodies (printing, common-subexpression keys).
  virtual std::string repr() const = 0;
};

struct ScanAttrs final : AttrsOf<ScanAttrs> {
  std::shared_ptr<const Body> body;
  int32_t num_carry = 0, num_xs = 0, num_closed = 0;
  int64_t length = 0;  ///< Steps; the sequences' leading size.
  bool reverse = false;
  /// Saved residuals (graph/scan_residuals.h): the body's last num_residuals outputs are values its gradient
  /// needs, and `vjp_body` is the reverse step that reads them instead of recomputing the forward step. Null:
  /// checkpointing (Note [Scan gradient]).
  int32_t num_residuals = 0;
  std::shared_ptr<const Body> vjp_body;
  /// Whether the carry history is an output (the gradient reads it). A graph pass drops it where nothing does.
  bool save_history = true;
  std::string repr() const override;
};

/// `cond`: inputs (pred [bool, one element], operands...); runs one of two bodies of the same signature on the
/// operands. Gradient: a cond of the two bodies' vjp bodies.
struct CondAttrs final : AttrsOf<CondAttrs> {
  std::shared_ptr<const Body> then_body, else_body;
  std::string repr() const override;
};

/// `while_loop`: inputs (carries...); runs `body` while `cond_body` (carries -> one-element bool) is true.
/// Not differentiable through its data-dependent trip count: its gradient rule throws (use scan / fori_loop).
struct WhileAttrs final : AttrsOf<WhileAttrs> {
  std::shared_ptr<const Body> cond_body, body;
  std::string repr() const override;
};

/// Applies the scan op (what tessera::scan does while tracing). Returns final carries, stacked ys, carry history.
std::vector<Tensor> scan_op(const std::vector<Tensor>& carry, const std::vector<Tensor>& xs,
                            const std::vector<Tensor>& closed, const ScanAttrs& attrs);

std::vector<Tensor> cond_op(const Tensor& pred, const std::vector<Tensor>& operands, const CondAttrs& attrs);
std::vector<Tensor> while_op(const std::vector<Tensor>& carries, const WhileAttrs& attrs);

}  // namespace tessera
