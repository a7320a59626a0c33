// oneDNN convolution plans: one primitive (forward, backward data or backward weights) plus the reorders its
// chosen layouts need, cached per shape (Note [oneDNN primitive cache]).
#include "tessera/backend/cpu/dnnl/dnnl_conv.h"

#include <optional>

#include "tessera/backend/cpu/dnnl/dnnl_engine.h"

namespace tessera::cpu::onednn {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

// One operand of a plan: the NCHW buffer the caller has, the layout the primitive reads or writes, and the
// reorder between them when they differ (plain -> chosen for inputs, chosen -> plain for the output).
struct Operand {
  int arg = 0;
  memory::desc plain, chosen;
  std::optional<dnnl::reorder> reorder;
  memory::desc reorder_scratch;
};

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return a;
}

Operand operand(int arg, const memory::desc& plain, const memory::desc& chosen, bool output) {
  Operand o{arg, plain, chosen, std::nullopt, {}};
  if (plain != chosen) {
    const auto& e = engine();
    dnnl::reorder::primitive_desc pd = output ? dnnl::reorder::primitive_desc(e, chosen, e, plain, user_scratchpad())
                                              : dnnl::reorder::primitive_desc(e, plain, e, chosen, user_scratchpad());
    o.reorder = dnnl::reorder(pd);
    o.reorder_scratch = pd.scratchpad_desc();
  }
  return o;
}

struct ConvPlan {
  dnnl::primitive prim;
  memory::desc scratch;
  Operand in0, in1, out;
  memory::desc bias;  // [co], when the forward adds one
};

// A convolution of either rank as oneDNN describes it: spatial sizes (height, width or depth, height, width).
struct Dims {
  int64_t n = 0, c = 0, co = 0, groups = 1;
  memory::dims in, kernel, out, stride, padding, dilation;
};

template <size_t R>
memory::dims dims(const std::array<int64_t, R>& a) {
  return memory::dims(a.begin(), a.end());
}
Dims dims_of(const ConvShape& s) {
  Dims d;
  d.n = s.n, d.c = s.c, d.co = s.co, d.groups = s.groups;
  d.in = {s.h, s.w}, d.kernel = {s.kh, s.kw}, d.out = {s.ho, s.wo};
  d.stride = dims(s.stride), d.padding = dims(s.padding), d.dilation = dims(s.dilation);
  return d;
}
Dims dims_of(const Conv3dShape& s) {
  Dims d;
  d.n = s.n, d.c = s.c, d.co = s.co, d.groups = s.groups;
  d.in = dims(s.in), d.kernel = dims(s.kernel), d.out = dims(s.out);
  d.stride = dims(s.stride), d.padding = dims(s.padding), d.dilation = dims(s.dilation);
  return d;
}

memory::dims concat(memory::dims head, const memory::dims& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// The NCHW / NCDHW descriptors of x, w and y.
struct PlainDescs {
  memory::desc x, w, y;
};
PlainDescs plain_descs(const Dims& s) {
  const auto f32 = memory::data_type::f32;
  const bool three = s.in.size() == 3, grouped = s.groups > 1;
  const memory::dims w_head =
      grouped ? memory::dims{s.groups, s.co / s.groups, s.c / s.groups} : memory::dims{s.co, s.c};
  const Tag act = three ? Tag::ncdhw : Tag::nchw;
  const Tag wt = grouped ? (three ? Tag::goidhw : Tag::goihw) : (three ? Tag::oidhw : Tag::oihw);
  return {memory::desc(concat({s.n, s.c}, s.in), f32, act), memory::desc(concat(w_head, s.kernel), f32, wt),
          memory::desc(concat({s.n, s.co}, s.out), f32, act)};
}

ConvPlan make_plan(const Dims& s, ConvLayout layout, ConvPass pass, bool bias) {
  const PlainDescs plain = plain_descs(s);
  auto want = [&](const memory::desc& md) {
    return layout == ConvLayout::kPlain ? md : memory::desc(md.dims(), md.data_type(), Tag::any);
  };
  const memory::desc x = want(plain.x), w = want(plain.w), y = want(plain.y);
  // oneDNN wants the right padding that makes the sizes consistent; it is negative when the stride skips the
  // input's last rows (PyTorch's floor), which the implementations accept.
  const memory::dims& strides = s.stride;
  const memory::dims& pad_l = s.padding;
  memory::dims dilates, pad_r;
  for (size_t i = 0; i < s.in.size(); ++i) {
    dilates.push_back(s.dilation[i] - 1);
    pad_r.push_back((s.out[i] - 1) * s.stride[i] + (s.kernel[i] - 1) * s.dilation[i] + 1 - s.in[i] - s.padding[i]);
  }
  const auto algo = dnnl::algorithm::convolution_direct;
  const auto& e = engine();
  const dnnl::primitive_attr attr = user_scratchpad();
  const dnnl::convolution_forward::primitive_desc fwd(
      {dnnl::prop_kind::forward_training, algo, x, w, y, strides, dilates, pad_l, pad_r}, attr, e);
  switch (pass) {
    case ConvPass::kForward: {
      if (!bias) {
        return {dnnl::convolution_forward(fwd),
                fwd.scratchpad_desc(),
                operand(DNNL_ARG_SRC, plain.x, fwd.src_desc(), false),
                operand(DNNL_ARG_WEIGHTS, plain.w, fwd.weights_desc(), false),
                operand(DNNL_ARG_DST, plain.y, fwd.dst_desc(), true),
                {}};
      }
      // The bias inside the kernel: each output block is finished while it is still in cache.
      const memory::desc b({s.co}, memory::data_type::f32, Tag::a);
      const dnnl::convolution_forward::primitive_desc pd(
          {dnnl::prop_kind::forward_inference, algo, x, w, b, y, strides, dilates, pad_l, pad_r}, attr, e);
      return {dnnl::convolution_forward(pd),
              pd.scratchpad_desc(),
              operand(DNNL_ARG_SRC, plain.x, pd.src_desc(), false),
              operand(DNNL_ARG_WEIGHTS, plain.w, pd.weights_desc(), false),
              operand(DNNL_ARG_DST, plain.y, pd.dst_desc(), true),
              b};
    }
    case ConvPass::kInputGrad: {
      const dnnl::convolution_backward_data::primitive_desc pd({algo, x, w, y, strides, dilates, pad_l, pad_r}, attr, e,
                                                               fwd);
      return {dnnl::convolution_backward_data(pd),
              pd.scratchpad_desc(),
              operand(DNNL_ARG_DIFF_DST, plain.y, pd.diff_dst_desc(), false),
              operand(DNNL_ARG_WEIGHTS, plain.w, pd.weights_desc(), false),
              operand(DNNL_ARG_DIFF_SRC, plain.x, pd.diff_src_desc(), true),
              {}};
    }
    case ConvPass::kWeightGrad: {
      const dnnl::convolution_backward_weights::primitive_desc pd({algo, x, w, y, strides, dilates, pad_l, pad_r}, attr,
                                                                  e, fwd);
      return {dnnl::convolution_backward_weights(pd),
              pd.scratchpad_desc(),
              operand(DNNL_ARG_SRC, plain.x, pd.src_desc(), false),
              operand(DNNL_ARG_DIFF_DST, plain.y, pd.diff_dst_desc(), false),
              operand(DNNL_ARG_DIFF_WEIGHTS, plain.w, pd.diff_weights_desc(), true),
              {}};
    }
  }
  throw dnnl::error(dnnl_unimplemented, "unknown convolution pass");
}

bool run(ConvPass pass, const Dims& s, ConvLayout layout, const float* a, const float* b, float* out,
         const float* bias) {
  if (pass != ConvPass::kForward) bias = nullptr;
  PlanKey key{static_cast<int64_t>(pass), static_cast<int64_t>(layout), s.n, s.c, s.co, s.groups, bias != nullptr};
  for (const memory::dims* v : {&s.in, &s.kernel, &s.out, &s.stride, &s.padding, &s.dilation}) {
    key.insert(key.end(), v->begin(), v->end());
  }
  const auto plan = cached<ConvPlan>(std::move(key), [&] { return make_plan(s, layout, pass, bias != nullptr); });
  if (!plan) return false;
  std::unordered_map<int, memory> args;
  std::optional<Buffer> staged[3];
  auto bind_input = [&](const Operand& o, const float* data, std::optional<Buffer>& buf) {
    if (!o.reorder) {
      args.emplace(o.arg, wrap(o.chosen, data));
      return;
    }
    buf.emplace(o.chosen.get_size());
    execute(*o.reorder, {{DNNL_ARG_FROM, wrap(o.plain, data)}, {DNNL_ARG_TO, wrap(o.chosen, buf->data())}},
            o.reorder_scratch);
    args.emplace(o.arg, wrap(o.chosen, buf->data()));
  };
  bind_input(plan->in0, a, staged[0]);
  bind_input(plan->in1, b, staged[1]);
  if (bias) args.emplace(DNNL_ARG_BIAS, wrap(plan->bias, bias));
  const Operand& o = plan->out;
  if (o.reorder) staged[2].emplace(o.chosen.get_size());
  args.emplace(o.arg, wrap(o.chosen, o.reorder ? staged[2]->data() : out));
  execute(plan->prim, std::move(args), plan->scratch);
  if (o.reorder) {
    execute(*o.reorder, {{DNNL_ARG_FROM, wrap(o.chosen, staged[2]->data())}, {DNNL_ARG_TO, wrap(o.plain, out)}},
            o.reorder_scratch);
  }
  return true;
}

}  // namespace

bool conv(ConvPass pass, const ConvShape& s, ConvLayout layout, const float* a, const float* b, float* out,
          const float* bias) {
  return run(pass, dims_of(s), layout, a, b, out, bias);
}
bool conv(ConvPass pass, const Conv3dShape& s, ConvLayout layout, const float* a, const float* b, float* out,
          const float* bias) {
  return run(pass, dims_of(s), layout, a, b, out, bias);
}

}  // namespace tessera::cpu::onednn
