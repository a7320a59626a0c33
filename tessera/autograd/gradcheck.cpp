#include "tessera/autograd/gradcheck.h"

#include <cmath>

#include "tessera/autograd/engine.h"
#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/creation.h"

namespace tessera {
namespace {

// Address of the k-th element (row-major order) of a float64 tensor, whatever its strides.
double* element(const Tensor& t, int64_t k) {
  double* p = static_cast<double*>(t.raw_data());
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    int64_t size = t.shape()[d];
    p += (k % size) * t.strides()[d];
    k /= size;
  }
  return p;
}

std::vector<double> flat_values(const Tensor& t) {
  Tensor c = t.contiguous().to(kFloat64);
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

void check_inputs(const std::vector<Tensor>& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.requires_grad()) continue;
    check<DTypeError>(x.dtype() == kFloat64, "gradcheck: input ", i, " must be float64, got ", x.dtype());
    for (int64_t d = 0; d < x.dim(); ++d) {
      check<ValueError>(x.strides()[d] != 0 || x.shape()[d] <= 1, "gradcheck: input ", i,
                        " has overlapping memory (an expanded dimension); pass a contiguous copy");
    }
  }
}

}  // namespace

bool gradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
  check_inputs(inputs);
  std::vector<Tensor> outputs = fn(inputs);
  std::vector<size_t> wrt;
  std::vector<Tensor> wrt_tensors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].requires_grad()) {
      wrt.push_back(i);
      wrt_tensors.push_back(inputs[i]);
    }
  }
  for (size_t o = 0; o < outputs.size(); ++o) {
    const Tensor& out = outputs[o];
    if (!out.is_floating_point() || !out.requires_grad()) continue;
    const int64_t n_out = out.numel();
    // Analytic Jacobian rows: one backward per output element.
    std::vector<std::vector<std::vector<double>>> analytic(wrt.size());  // [input][out elem][in elem]
    for (int64_t j = 0; j < n_out; ++j) {
      Tensor seed64 = zeros(out.shape(), kFloat64);
      *element(seed64, j) = 1.0;
      std::vector<Tensor> g = grad({out}, wrt_tensors, {seed64.to(out.dtype())}, /*retain_graph=*/true,
                                   /*create_graph=*/false, /*allow_unused=*/true);
      for (size_t w = 0; w < wrt.size(); ++w) {
        analytic[w].push_back(g[w].defined() ? flat_values(g[w])
                                             : std::vector<double>(static_cast<size_t>(inputs[wrt[w]].numel()), 0.0));
      }
    }
    // Numerical Jacobian columns: perturb one input element at a time.
    for (size_t w = 0; w < wrt.size(); ++w) {
      const Tensor& x = inputs[wrt[w]];
      for (int64_t k = 0; k < x.numel(); ++k) {
        double* p = element(x, k);
        const double orig = *p;
        std::vector<double> plus, minus;
        {
          NoGradGuard no_grad;
          *p = orig + opt.eps;
          plus = flat_values(fn(inputs)[o]);
          *p = orig - opt.eps;
          minus = flat_values(fn(inputs)[o]);
          *p = orig;
        }
        for (int64_t j = 0; j < n_out; ++j) {
          double numeric = (plus[j] - minus[j]) / (2 * opt.eps);
          double a = analytic[w][j][k];
          if (!(std::abs(a - numeric) <= opt.atol + opt.rtol * std::abs(numeric))) {
            throw Error(cat("gradcheck: Jacobian mismatch for output ", o, " with respect to input ", wrt[w],
                            " at output element ", j, ", input element ", k, ": analytic ", a, ", numerical ",
                            numeric));
          }
        }
      }
    }
  }
  return true;
}

bool gradgradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
  check_inputs(inputs);
  std::vector<Tensor> outputs;
  {
    NoGradGuard no_grad;
    outputs = fn(inputs);
  }
  // Fixed, non-trivial weights v for each output (deterministic: no RNG needed).
  std::vector<Tensor> v;
  for (const Tensor& out : outputs) {
    Tensor w = zeros(out.shape(), kFloat64);
    for (int64_t j = 0; j < w.numel(); ++j) *element(w, j) = 0.5 + 0.37 * static_cast<double>((j * 7) % 5) - 0.6;
    v.push_back(w.to(out.dtype()));
  }
  TensorFunction first_order = [&](const std::vector<Tensor>& xs) {
    EnableGradGuard enable_grad;  // the numerical pass runs under no_grad, but grad() needs a recorded graph
    std::vector<Tensor> outs = fn(xs), wrt, used_v, used_out;
    for (const Tensor& x : xs) {
      if (x.requires_grad()) wrt.push_back(x);
    }
    for (size_t i = 0; i < outs.size(); ++i) {
      if (outs[i].requires_grad()) {
        used_out.push_back(outs[i]);
        used_v.push_back(v[i]);
      }
    }
    std::vector<Tensor> g = grad(used_out, wrt, used_v, /*retain_graph=*/true, /*create_graph=*/true, true);
    std::vector<Tensor> defined;
    for (const Tensor& t : g) {
      if (t.defined()) defined.push_back(t);
    }
    return defined;
  };
  return gradcheck(first_order, inputs, opt);
}

}  // namespace tessera
