#pragma once
// Note [Scan residuals]: without checkpointing, a scan saves what its gradient needs from each step's forward
// (the "residuals": the body's intermediate values that the step's gradient reads) as extra stacked outputs, so
// the reverse scan runs only the gradient nodes. With checkpointing (ScanOptions::checkpoint) only the carries are
// saved and each reverse step recomputes its forward: less memory, one more forward pass.
#include "tessera/graph/function.h"

namespace tessera::graph {

struct ResidualSplit {
  Function forward;   ///< The body with the residuals appended to its outputs: (c, x, closed) -> (c', y, R).
  Function backward;  ///< One reverse step from residuals: (g_c, acc, c_t, x_t, g_y, R_t, closed) ->
                      ///< (g_c_prev, acc + g_closed_t, g_x_t).
  int32_t num_residuals = 0;
};

/// Splits the scan body `body` (k carries, m sequences, p closed-over values) as Note [Scan residuals] says.
ResidualSplit split_residuals(const Function& body, int k, int m, int p);

}  // namespace tessera::graph
