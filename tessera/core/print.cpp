// PyTorch-style tensor text (torch/_tensor_str.py of PyTorch 1.13, default print options): Tensor::str()
// and operator<<. Reads elements through the strides; calls no ops (core includes nothing above it).
//
// Note [Tensor printing]: one formatter is chosen for the whole tensor from the elements that are printed
// (all of them, or the 3 edge items per dim when numel > 1000): integer mode (`1.`), fixed (`1.5000`) or
// scientific (`1.0000e-05`), and a common width, so columns line up. Rows wrap at 80 characters.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "tessera/core/dtype_dispatch.h"
#include "tessera/core/tensor.h"

namespace tessera {

namespace {

constexpr int64_t kEdgeItems = 3;
constexpr int64_t kThreshold = 1000;  // more elements than this are summarised with "..."
constexpr int64_t kLineWidth = 80;

// printf of one double, except that non-finite values print as Python does ("nan", "inf", "-inf").
std::string format_double(const char* fmt, double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  int n = std::snprintf(nullptr, 0, fmt, v);
  std::string s(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(s.data(), s.size(), fmt, v);
  s.resize(static_cast<size_t>(n));
  return s;
}

class Printer {
 public:
  explicit Printer(const Tensor& t)
      : t_(t),
        floating_(is_floating_point(t.dtype())),
        summarize_(t.numel() > kThreshold),
        base_(static_cast<const char*>(t.raw_data())) {
    choose_format();
  }

  /// The bracketed body, for a tensor printed after `indent` characters ("tensor(").
  std::string body(int64_t indent) const { return str(0, 0, indent); }

 private:
  // The indices of a dim of `size` that are printed, with -1 standing for the "..." between the edges.
  std::vector<int64_t> indices(int64_t size) const {
    std::vector<int64_t> idx;
    if (summarize_ && size > 2 * kEdgeItems) {
      for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
      idx.push_back(-1);
      for (int64_t i = size - kEdgeItems; i < size; ++i) idx.push_back(i);
    } else {
      for (int64_t i = 0; i < size; ++i) idx.push_back(i);
    }
    return idx;
  }

  int64_t byte_stride(size_t d) const { return t_.strides()[d] * static_cast<int64_t>(t_.element_size()); }

  // Calls f(byte offset) for every printed element.
  template <class F>
  void for_each_printed(size_t d, int64_t off, const F& f) const {
    if (d == t_.shape().size()) return f(off);
    for (int64_t i : indices(t_.shape()[d])) {
      if (i >= 0) for_each_printed(d + 1, off + i * byte_stride(d), f);
    }
  }

  double as_double(int64_t off) const {
    return visit_dtype(t_.dtype(),
                       [&]<class T>() { return static_cast<double>(*reinterpret_cast<const T*>(base_ + off)); });
  }
  int64_t as_int(int64_t off) const {
    return visit_dtype(t_.dtype(), [&]<class T>() {
      if constexpr (std::is_integral_v<T>)
        return static_cast<int64_t>(*reinterpret_cast<const T*>(base_ + off));
      else
        return int64_t{0};  // not reached: floating dtypes are read with as_double
    });
  }

  // One element without padding.
  std::string raw(int64_t off) const {
    if (!floating_) {
      if (t_.dtype() == kBool) return as_int(off) ? "True" : "False";
      return std::to_string(as_int(off));
    }
    double v = as_double(off);
    if (sci_mode_) return format_double("%.4e", v);
    if (int_mode_) return format_double("%.0f", v) + (std::isfinite(v) ? "." : "");
    return format_double("%.4f", v);
  }

  std::string format(int64_t off) const {
    std::string s = raw(off);
    return std::string(static_cast<size_t>(std::max<int64_t>(width_ - static_cast<int64_t>(s.size()), 0)), ' ') + s;
  }

  void choose_format() {
    if (!floating_) {
      for_each_printed(0, 0, [&](int64_t off) { width_ = std::max<int64_t>(width_, raw(off).size()); });
      return;
    }
    std::vector<double> vals;  // the nonzero finite values decide the mode
    for_each_printed(0, 0, [&](int64_t off) {
      double v = as_double(off);
      if (std::isfinite(v) && v != 0) vals.push_back(v);
    });
    if (vals.empty()) return;
    double lo = std::numeric_limits<double>::infinity(), hi = 0;
    for (double v : vals) {
      lo = std::min(lo, std::abs(v));
      hi = std::max(hi, std::abs(v));
      int_mode_ = int_mode_ && v == std::ceil(v);
    }
    sci_mode_ = hi / lo > 1000.0 || hi > 1.0e8 || (!int_mode_ && lo < 1.0e-4);
    for (double v : vals) {
      int64_t w = sci_mode_   ? format_double("%.4e", v).size()
                  : int_mode_ ? format_double("%.0f", v).size() + 1
                              : format_double("%.4f", v).size();
      width_ = std::max(width_, w);
    }
  }

  // open + parts joined by sep + close (appends only: GCC 12 warns falsely on `"[" + std::string`).
  static std::string join(const std::vector<std::string>& parts, const std::string& sep, const char* open = "",
                          const char* close = "") {
    std::string s = open;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) s += sep;
      s += parts[i];
    }
    return s += close;
  }

  std::string vector_str(int64_t off, int64_t indent) const {
    const int64_t per_line = std::max<int64_t>(1, (kLineWidth - indent) / (width_ + 2));
    std::vector<std::string> lines, line;
    for (int64_t i : indices(t_.shape().back())) {
      line.push_back(i < 0 ? " ..." : format(off + i * byte_stride(t_.shape().size() - 1)));
      if (static_cast<int64_t>(line.size()) == per_line) {
        lines.push_back(join(line, ", "));
        line.clear();
      }
    }
    if (!line.empty()) lines.push_back(join(line, ", "));
    return join(lines, cat(",\n", std::string(indent + 1, ' ')), "[", "]");
  }

  std::string str(size_t d, int64_t off, int64_t indent) const {
    const size_t nd = t_.shape().size();
    if (nd == 0) return format(off);
    if (d + 1 == nd) return vector_str(off, indent);
    std::vector<std::string> slices;
    for (int64_t i : indices(t_.shape()[d])) {
      slices.push_back(i < 0 ? "..." : str(d + 1, off + i * byte_stride(d), indent + 1));
    }
    return join(slices, cat(",", std::string(nd - d - 1, '\n'), std::string(indent + 1, ' ')), "[", "]");
  }

  const Tensor& t_;
  bool floating_;
  bool summarize_;
  const char* base_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  int64_t width_ = 1;
};

// Appends ", suffix" to `s`, or ",\n" + indent + suffix when the line would pass 80 characters (as PyTorch).
std::string add_suffixes(std::string s, const std::vector<std::string>& suffixes, int64_t indent) {
  int64_t nl = static_cast<int64_t>(s.rfind('\n'));  // npos becomes -1, as Python's rfind
  int64_t last_line = static_cast<int64_t>(s.size()) - nl + 1;
  for (const std::string& suffix : suffixes) {
    const int64_t len = static_cast<int64_t>(suffix.size());
    if (last_line + len + 2 > kLineWidth) {
      s += cat(",\n", std::string(indent, ' '), suffix);
      last_line = indent + len;
    } else {
      s += cat(", ", suffix);
      last_line += len + 2;
    }
  }
  return s + ")";
}

std::string tuple_str(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += cat(i ? ", " : "", shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  std::string dtype_suffix = cat("dtype=", dtype());
  if (is_symbolic()) return cat(prefix, "<symbolic>, shape=", shape_str(shape()), ", ", dtype_suffix, ")");
  std::vector<std::string> suffixes;
  if (!device().is_cpu()) suffixes.push_back(cat("device='", device(), "'"));
  std::string body;
  if (numel() == 0) {
    // No elements show the dtype, so it is printed unless it is the default float.
    if (dim() != 1) suffixes.push_back(cat("size=", tuple_str(shape())));
    if (dtype() != kDefaultFloat) suffixes.push_back(dtype_suffix);
    body = "[]";
  } else {
    if (dtype() != kDefaultFloat && dtype() != kInt64 && dtype() != kBool) suffixes.push_back(dtype_suffix);
    body = Printer(*this).body(indent);
  }
  // PyTorch prints grad_fn=<MulBackward0>; Tessera names the op that recorded the tensor.
  if (std::string fn = grad_fn_name(); !fn.empty()) {
    suffixes.push_back(cat("grad_fn=<", fn, ">"));
  } else if (requires_grad()) {
    suffixes.push_back("requires_grad=True");
  }
  return add_suffixes(prefix + body, suffixes, indent);
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace tessera
