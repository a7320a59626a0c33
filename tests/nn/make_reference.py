#!/usr/bin/python3
"""PyTorch 1.13 reference values for the tessera::nn tests (tests/nn/*_test.cpp).

Run with Debian's Python (it sees torch):  /usr/bin/python3 tests/nn/make_reference.py
It writes tests/nn/reference_values.h: one table of cases per test file (layers, activations, normalization,
losses, extra losses, embedding, attention, transformer, rnn), each case named as the test looks it up.
Inputs are not written: both sides build them from the same formulas, so only outputs travel
(everything in float64; the C++ side is tests/nn/nn_testing.h):
  input              x.flat[i] = scale * sin(0.37 i + 0.1 + phase)
  k-th parameter     p.flat[i] = 0.5 sin(0.3 i + 0.2 + k)      (k counts named_parameters())
  upstream gradient  g.flat[i] = cos(0.11 i + 0.05)            (backward of sum(y * g))
  loss target        t.flat[i] = cos(0.53 i + 0.3)
Each case records [output, input gradient, parameter gradients...] unless its comment says otherwise.
"""
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


def wave(shape, a, b, scale=1.0, f=math.sin):
    n = math.prod(shape)
    return torch.tensor([scale * f(a * i + b) for i in range(n)]).reshape(shape)


def X(shape, scale=1.0, phase=0.0):
    return wave(shape, 0.37, 0.1 + phase, scale)


def P(shape, k):
    return wave(shape, 0.3, 0.2 + k, 0.5)


def G(shape):
    return wave(shape, 0.11, 0.05, f=math.cos)


def T(shape):
    return wave(shape, 0.53, 0.3, f=math.cos)


def fill_params(m):
    with torch.no_grad():
        for k, (_, p) in enumerate(m.named_parameters()):
            p.copy_(P(p.shape, k))


def grads_of(m):
    return [p.grad.clone() for _, p in m.named_parameters()]


def zero_grad(m):
    for p in m.parameters():
        p.grad = None


def step(m, x):
    """[y, dx, dparams...] of sum(m(x) * g)."""
    x = x.clone().requires_grad_()
    y = m(x)
    y.backward(G(y.shape))
    out = [y.detach(), x.grad] + grads_of(m)
    zero_grad(m)
    return out


def layer(m, x):
    m = m.double()
    fill_params(m)
    return step(m, x)


def loss_case(fn, x, *args, **kwargs):
    """[loss, dx] for a loss of input x (upstream g for an unreduced loss, 1 otherwise)."""
    x = x.clone().requires_grad_()
    y = fn(x, *args, **kwargs)
    y.backward(G(y.shape) if y.dim() > 0 else None)
    return [y.detach(), x.grad]


# ---- layers_test.cpp ---------------------------------------------------------------------------------------

def layers():
    c = {}
    c["linear_batch1"] = layer(nn.Linear(4, 3), X([1, 4]))
    c["linear_3d"] = layer(nn.Linear(4, 3), X([2, 3, 4]))
    c["linear_no_bias"] = layer(nn.Linear(4, 3, bias=False), X([2, 4]))
    c["conv2d_stride2_pad1"] = layer(nn.Conv2d(2, 3, 3, stride=2, padding=1), X([2, 2, 5, 5]))
    c["conv2d_dilation"] = layer(nn.Conv2d(2, 2, 3, padding=1, dilation=2), X([1, 2, 6, 7]))
    c["conv2d_groups"] = layer(nn.Conv2d(4, 6, (2, 3), groups=2), X([2, 4, 4, 5]))
    c["conv2d_same"] = layer(nn.Conv2d(2, 3, (3, 4), padding="same"), X([1, 2, 5, 6]))
    c["conv2d_same_dilation"] = layer(nn.Conv2d(1, 2, 3, padding="same", dilation=2, bias=False), X([1, 1, 5, 5]))
    c["conv1d"] = layer(nn.Conv1d(2, 3, 3, stride=2, padding=1), X([2, 2, 7]))
    c["conv1d_dilation_groups"] = layer(nn.Conv1d(2, 4, 2, dilation=2, groups=2), X([2, 2, 6]))
    c["maxpool_ceil"] = layer(nn.MaxPool2d(3, stride=2, ceil_mode=True), X([1, 2, 6, 6]))
    c["maxpool_pad"] = layer(nn.MaxPool2d(2, stride=1, padding=1), X([2, 1, 3, 4]))
    c["avgpool_exclude_pad"] = layer(nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), X([1, 2, 5, 6]))
    c["avgpool_exclude_pad_ceil"] = layer(
        nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), X([1, 2, 6, 6]))
    c["adaptive_avgpool_1"] = layer(nn.AdaptiveAvgPool2d(1), X([2, 3, 4, 5]))
    return c


# ---- activation_test.cpp: x = 4 sin(0.37 i + 0.1) of shape [3, 8], covering every branch ----------------------

def activations():
    x = X([3, 8], 4.0)
    mods = {
        "relu": nn.ReLU(), "relu6": nn.ReLU6(), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(),
        "leaky_relu": nn.LeakyReLU(0.2), "elu": nn.ELU(0.7), "selu": nn.SELU(), "gelu": nn.GELU(),
        "gelu_tanh": nn.GELU(approximate="tanh"), "silu": nn.SiLU(), "mish": nn.Mish(),
        "hardswish": nn.Hardswish(), "hardsigmoid": nn.Hardsigmoid(), "softplus": nn.Softplus(),
        "softplus_beta2_threshold5": nn.Softplus(2.0, 5.0), "softsign": nn.Softsign(),
        "softmax_dim1": nn.Softmax(1), "softmax_dim0": nn.Softmax(0), "log_softmax_dim1": nn.LogSoftmax(1),
        "prelu_shared": nn.PReLU(),
    }
    c = {k: layer(m, x) for k, m in mods.items()}
    c["prelu_per_channel"] = layer(nn.PReLU(3), X([2, 3, 4], 2.0))
    # PyTorch 1.13's hardsigmoid backward multiplies by the float constant 1.0f / 6 even in float64 (a relative
    # error of 3e-8); record the exact gradient instead: g / 6 inside (-3, 3), else 0.
    exact = torch.where((x > -3) & (x < 3), G(x.shape) / 6, torch.zeros(()))
    assert torch.allclose(c["hardsigmoid"][1], exact, rtol=1e-7, atol=0)
    c["hardsigmoid"][1] = exact
    return c


# ---- normalization_test.cpp ----------------------------------------------------------------------------------

def batch_norm(m, shape):
    """Two training steps on x(phase 0) and 1.5 x(phase 1) + 0.3, then eval on x(phase 0):
    [y1, dx1, dw1, db1, y2, running_mean, running_var, y_eval, dx_eval, dw_eval, db_eval] (without dw and db
    when affine=False)."""
    m = m.double()
    fill_params(m)
    m.train()
    first = step(m, X(shape))
    second = step(m, X(shape, 1.5, 1.0) + 0.3)
    stats = [m.running_mean.clone(), m.running_var.clone()]
    assert int(m.num_batches_tracked) == 2
    m.eval()
    return first + second[:1] + stats + step(m, X(shape))


def normalization():
    c = {}
    c["batch_norm2d"] = batch_norm(nn.BatchNorm2d(3), [2, 3, 2, 3])
    c["batch_norm2d_cumulative"] = batch_norm(nn.BatchNorm2d(3, momentum=None), [2, 3, 2, 3])
    c["batch_norm1d_2d"] = batch_norm(nn.BatchNorm1d(4, momentum=0.3), [5, 4])
    c["batch_norm1d_3d"] = batch_norm(nn.BatchNorm1d(3), [2, 3, 4])
    c["batch_norm1d_no_affine"] = batch_norm(nn.BatchNorm1d(3, affine=False), [4, 3])
    # Without running statistics eval normalizes with the batch's.
    c["batch_norm2d_no_running_stats_eval"] = layer(nn.BatchNorm2d(3, track_running_stats=False).eval(),
                                                    X([2, 3, 2, 3]))
    c["layer_norm"] = layer(nn.LayerNorm([3, 4]), X([2, 3, 4], 2.0, 0.5) + 0.7)
    c["layer_norm_no_affine"] = layer(nn.LayerNorm(4, eps=1e-3, elementwise_affine=False), X([3, 4]))
    c["group_norm"] = layer(nn.GroupNorm(2, 4), X([2, 4, 3]))
    c["group_norm_4d"] = layer(nn.GroupNorm(3, 6), X([2, 6, 2, 2], 1.0, 0.2) + 0.4)
    return c


# ---- loss_test.cpp: [value, input gradient]; inputs x = 2 sin(0.37 i + 0.1) --------------------------------------

def losses():
    c = {}
    x = X([4, 5], 2.0)
    target = torch.tensor([1, 0, 4, 2])
    weight = torch.tensor([0.2, 1.0, 0.5, 2.0, 1.5])
    ignored = torch.tensor([1, -100, 4, 2])
    for r in ("mean", "sum", "none"):
        c["ce_" + r] = loss_case(F.cross_entropy, x, target, reduction=r)
        c["ce_weight_" + r] = loss_case(F.cross_entropy, x, target, weight=weight, reduction=r)
    c["ce_ignore_index"] = loss_case(F.cross_entropy, x, ignored)
    c["ce_ignore_index_2_weight"] = loss_case(F.cross_entropy, x, target, weight=weight, ignore_index=2)
    c["ce_smoothing"] = loss_case(F.cross_entropy, x, target, label_smoothing=0.1)
    c["ce_smoothing_sum"] = loss_case(F.cross_entropy, x, target, label_smoothing=0.1, reduction="sum")
    c["ce_smoothing_weight"] = loss_case(F.cross_entropy, x, target, weight=weight, label_smoothing=0.1)
    c["ce_smoothing_weight_ignore"] = loss_case(F.cross_entropy, x, ignored, weight=weight, label_smoothing=0.1)
    c["ce_smoothing_weight_none"] = loss_case(F.cross_entropy, x, ignored, weight=weight, label_smoothing=0.1,
                                              reduction="none")
    xd = X([2, 3, 4], 2.0)
    td = torch.tensor([[0, 2, 1, 1], [2, 0, 0, 1]])
    wd = torch.tensor([0.5, 2.0, 1.0])
    c["ce_nd_mean"] = loss_case(F.cross_entropy, xd, td)
    c["ce_nd_weight_none"] = loss_case(F.cross_entropy, xd, td, weight=wd, reduction="none")
    c["ce_nd_weight_mean"] = loss_case(F.cross_entropy, xd, td, weight=wd)
    c["ce_1d_input"] = loss_case(F.cross_entropy, X([5], 2.0), torch.tensor(3))
    probs = torch.softmax(T([4, 5]) * 2.0, 1)
    c["ce_probs"] = loss_case(F.cross_entropy, x, probs)
    c["ce_probs_smoothing"] = loss_case(F.cross_entropy, x, probs, label_smoothing=0.1)
    c["ce_probs_weight_sum"] = loss_case(F.cross_entropy, x, probs, weight=weight, reduction="sum")
    c["ce_probs_nd_none"] = loss_case(F.cross_entropy, xd, torch.softmax(T([2, 3, 4]), 1), reduction="none")
    c["nll_weight_ignore"] = loss_case(F.nll_loss, x, torch.tensor([1, 3, 4, 3]), weight=weight, ignore_index=3)
    c["nll_none"] = loss_case(F.nll_loss, x, target, reduction="none")

    y, t = X([3, 4], 2.0), T([3, 4])
    for r in ("mean", "sum", "none"):
        c["mse_" + r] = loss_case(F.mse_loss, y, t, reduction=r)
        c["l1_" + r] = loss_case(F.l1_loss, y, t, reduction=r)
        c["smooth_l1_beta05_" + r] = loss_case(F.smooth_l1_loss, y, t, reduction=r, beta=0.5)
        c["huber_delta07_" + r] = loss_case(F.huber_loss, y, t, reduction=r, delta=0.7)
    c["smooth_l1_beta0"] = loss_case(F.smooth_l1_loss, y, t, beta=0.0)

    p = X([3, 4], 0.45) + 0.5  # probabilities in (0.05, 0.95)
    soft = T([3, 4]) * 0.5 + 0.5
    bw = wave([3, 4], 0.7, 0.0, 0.5, math.cos) + 1.0
    c["bce_weight"] = loss_case(F.binary_cross_entropy, p, soft, weight=bw)
    c["bce_none"] = loss_case(F.binary_cross_entropy, p, soft, reduction="none")
    # Exact 0 and 1 inputs: the logs clamp at -100; the gradient divides by max(x (1 - x), 1e-12).
    edge_x = torch.tensor([0.0, 1.0, 0.3, 0.0, 1.0, 0.6])
    edge_t = torch.tensor([0.0, 1.0, 1.0, 1.0, 0.0, 0.5])
    c["bce_edges_sum"] = loss_case(F.binary_cross_entropy, edge_x, edge_t, reduction="sum")
    pos_weight = torch.tensor([0.5, 2.0, 1.5, 3.0])
    c["bce_logits_pos_weight"] = loss_case(F.binary_cross_entropy_with_logits, y, soft, weight=bw,
                                           pos_weight=pos_weight)
    c["bce_logits_none"] = loss_case(F.binary_cross_entropy_with_logits, y, soft, reduction="none")
    big_x = torch.tensor([100.0, -100.0, 50.0, -50.0, 0.3, -100.0])
    big_t = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.5, 0.0])
    c["bce_logits_large"] = loss_case(F.binary_cross_entropy_with_logits, big_x, big_t, reduction="sum",
                                      pos_weight=torch.tensor([2.0]))

    logp = torch.log_softmax(X([3, 4], 2.0), 1)
    q = torch.softmax(T([3, 4]) * 2.0, 1)
    q[0, 1] = 0.0  # a zero target contributes 0
    for r in ("mean", "sum", "none"):
        c["kl_div_" + r] = loss_case(F.kl_div, logp, q, reduction=r)
    c["kl_div_log_target_sum"] = loss_case(F.kl_div, logp, torch.log_softmax(T([3, 4]), 1), reduction="sum",
                                           log_target=True)
    c["kl_div_log_target_none"] = loss_case(F.kl_div, logp, torch.log_softmax(T([3, 4]), 1), reduction="none",
                                            log_target=True)
    return c


def loss_case2(fn, x1, x2, *args, **kwargs):
    """[loss, dx1, dx2] for a loss of two inputs."""
    x1 = x1.clone().requires_grad_()
    x2 = x2.clone().requires_grad_()
    y = fn(x1, x2, *args, **kwargs)
    y.backward(G(y.shape) if y.dim() > 0 else None)
    return [y.detach(), x1.grad, x2.grad]


def extra_losses():
    """margin_ranking_loss and cosine_embedding_loss (loss_test.cpp): [loss, dx1, dx2]."""
    c = {}
    a, b = X([6], 2.0), X([6], 2.0, 1.0)
    rank_t = torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    for r in ("mean", "sum", "none"):
        c["margin_ranking_" + r] = loss_case2(F.margin_ranking_loss, a, b, rank_t, margin=0.3, reduction=r)
    # input1 [3, 1] and input2 [1, 4] broadcast with target [3, 4].
    c["margin_ranking_broadcast"] = loss_case2(F.margin_ranking_loss, X([3, 1]), X([1, 4], 1.0, 2.0),
                                               torch.sign(T([3, 4])), reduction="none")
    u, v = X([4, 5]), X([4, 5], 1.0, 0.7)
    cos_t = torch.tensor([1.0, -1.0, -1.0, 1.0])
    for r in ("mean", "sum", "none"):
        c["cosine_embedding_" + r] = loss_case2(F.cosine_embedding_loss, u, v, cos_t, margin=0.2, reduction=r)
    c["cosine_embedding_margin_neg"] = loss_case2(F.cosine_embedding_loss, u, v, -cos_t, margin=-0.5)
    c["cosine_embedding_1d"] = loss_case2(F.cosine_embedding_loss, X([5]), X([5], 1.0, 0.7), torch.tensor(-1.0),
                                          reduction="sum")
    return c


# ---- embedding_test.cpp: Embedding [y, dweight (, weight after max_norm renormalization)] and Bilinear --------

IDX = torch.tensor([[1, 4, 4, 7], [9, 0, 2, 4]])  # embedding_test.cpp's kIndices


def embedding_case(m, idx=IDX, record_weight=False):
    m = m.double()
    fill_params(m)
    y = m(idx)
    y.backward(G(y.shape))
    out = [y.detach(), m.weight.grad.clone()]
    return out + [m.weight.detach().clone()] if record_weight else out


def bilinear_case(m, x1, x2):
    """[y, dx1, dx2, dweight, dbias] of sum(m(x1, x2) * g)."""
    m = m.double()
    fill_params(m)
    x1 = x1.clone().requires_grad_()
    x2 = x2.clone().requires_grad_()
    y = m(x1, x2)
    y.backward(G(y.shape))
    return [y.detach(), x1.grad, x2.grad] + grads_of(m)


def embedding():
    c = {}
    c["embedding"] = embedding_case(nn.Embedding(10, 3))
    c["embedding_padding"] = embedding_case(nn.Embedding(10, 3, padding_idx=4))
    c["embedding_padding_negative"] = embedding_case(nn.Embedding(10, 3, padding_idx=-1))
    c["embedding_1d"] = embedding_case(nn.Embedding(10, 3), torch.tensor([3, 3, 8, 0, 5]))
    c["embedding_max_norm"] = embedding_case(nn.Embedding(10, 3, max_norm=0.6), record_weight=True)
    c["embedding_max_norm_l1"] = embedding_case(nn.Embedding(10, 3, max_norm=0.8, norm_type=1.0),
                                                record_weight=True)
    c["embedding_scale_grad"] = embedding_case(nn.Embedding(10, 3, scale_grad_by_freq=True))
    c["embedding_scale_grad_padding"] = embedding_case(nn.Embedding(10, 3, padding_idx=7, scale_grad_by_freq=True))
    c["bilinear"] = bilinear_case(nn.Bilinear(3, 4, 2), X([5, 3]), X([5, 4], 1.0, 1.0))
    c["bilinear_3d_no_bias"] = bilinear_case(nn.Bilinear(2, 3, 4, bias=False), X([2, 3, 2]), X([2, 3, 3], 1.0, 1.0))
    c["bilinear_batch1"] = bilinear_case(nn.Bilinear(4, 2, 3), X([1, 4]), X([1, 2], 1.0, 1.0))
    return c


# ---- attention_test.cpp ----------------------------------------------------------------------------------------

def sdpa(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """PyTorch 2's reference implementation of F.scaled_dot_product_attention (1.13 lacks the public function)."""
    L, S = q.size(-2), k.size(-2)
    scale = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    bias = torch.zeros(L, S)
    if is_causal:
        bias.masked_fill_(torch.ones(L, S, dtype=torch.bool).tril(0).logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            bias = bias.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            bias = attn_mask + bias
    w = torch.softmax(q @ k.transpose(-2, -1) * scale + bias, dim=-1)
    return w @ v


def sdpa_case(qs, ks, vs, **kw):
    """[y, dq, dk, dv] with q = X(qs), k = X(ks, phase 1), v = X(vs, phase 2)."""
    q, k, v = (t.clone().requires_grad_() for t in (X(qs), X(ks, 1.0, 1.0), X(vs, 1.0, 2.0)))
    y = sdpa(q, k, v, **kw)
    y.backward(G(y.shape))
    return [y.detach(), q.grad, k.grad, v.grad]


# attention_test.cpp's masks: blocked (MultiheadAttention, True = masked) and additive.
def block_mask(l, s):
    return torch.tensor([[(i * 3 + j * 2) % 5 == 1 for j in range(s)] for i in range(l)])


def mha_case(m, q, k=None, v=None, **kw):
    """[out, weights, dq, dk, dv, dparams...] of sum(out * g) + sum(weights * g) (self-attention when k and v are
    None: q is used thrice and [out, weights, dq, dparams...] is recorded). Weights are left out when need_weights
    is False."""
    m = m.double()
    fill_params(m)
    q = q.clone().requires_grad_()
    inputs = [q] if k is None else [q, k.clone().requires_grad_(), v.clone().requires_grad_()]
    qkv = inputs * 3 if k is None else inputs
    out, w = m(*qkv, **kw)
    total = (out * G(out.shape)).sum()
    if w is not None:
        total = total + (w * G(w.shape)).sum()
    total.backward()
    return [out.detach()] + ([w.detach()] if w is not None else []) + [t.grad for t in inputs] + grads_of(m)


def attention():
    c = {}
    c["sdpa"] = sdpa_case([2, 2, 3, 4], [2, 2, 5, 4], [2, 2, 5, 6])
    c["sdpa_bool_mask"] = sdpa_case([2, 3, 4], [2, 5, 4], [2, 5, 3], attn_mask=~block_mask(3, 5))
    c["sdpa_float_mask_broadcast"] = sdpa_case([2, 2, 3, 4], [2, 2, 5, 4], [2, 2, 5, 6], attn_mask=T([2, 1, 3, 5]))
    c["sdpa_causal"] = sdpa_case([1, 4, 3], [1, 4, 3], [1, 4, 2], is_causal=True)
    c["sdpa_causal_l_ne_s"] = sdpa_case([3, 4], [5, 4], [5, 2], is_causal=True)
    c["sdpa_scale"] = sdpa_case([2, 3, 4], [2, 5, 4], [2, 5, 3], scale=0.3)

    x = X([4, 2, 8])  # [L, N, E]
    c["mha_self"] = mha_case(nn.MultiheadAttention(8, 2), x)
    c["mha_kdim_vdim"] = mha_case(nn.MultiheadAttention(8, 2, kdim=6, vdim=5), X([3, 2, 8]), X([5, 2, 6], 1.0, 1.0),
                                  X([5, 2, 5], 1.0, 2.0))
    q, k, v = X([2, 3, 8]), X([2, 5, 8], 1.0, 1.0), X([2, 5, 8], 1.0, 2.0)  # batch first
    c["mha_batch_first_per_head"] = mha_case(nn.MultiheadAttention(8, 4, batch_first=True), q, k, v,
                                             average_attn_weights=False)
    kpm = torch.tensor([[False, False, True, False, True], [True, False, False, False, False]])
    c["mha_bool_masks"] = mha_case(nn.MultiheadAttention(8, 2), X([3, 2, 8]), X([5, 2, 8], 1.0, 1.0),
                                   X([5, 2, 8], 1.0, 2.0), attn_mask=block_mask(3, 5), key_padding_mask=kpm)
    c["mha_float_mask_3d"] = mha_case(nn.MultiheadAttention(8, 2, batch_first=True), q, k, v,
                                      attn_mask=T([4, 3, 5]), key_padding_mask=kpm)
    c["mha_float_key_padding"] = mha_case(nn.MultiheadAttention(8, 2), X([3, 2, 8]), X([5, 2, 8], 1.0, 1.0),
                                          X([5, 2, 8], 1.0, 2.0), key_padding_mask=T([2, 5]))
    causal = torch.triu(torch.full((4, 4), float("-inf")), 1)
    c["mha_causal"] = mha_case(nn.MultiheadAttention(8, 2), x, attn_mask=causal)
    c["mha_no_bias_batch1_no_weights"] = mha_case(nn.MultiheadAttention(8, 4, bias=False), X([3, 1, 8]),
                                                  X([4, 1, 8], 1.0, 1.0), X([4, 1, 8], 1.0, 2.0), need_weights=False)
    c["mha_unbatched"] = mha_case(nn.MultiheadAttention(8, 2), X([3, 8]), X([4, 8], 1.0, 1.0), X([4, 8], 1.0, 2.0))
    return c


# ---- transformer_test.cpp: TransformerEncoderLayer / TransformerEncoder with dropout 0 -------------------------

def encoder_case(m, x, **kw):
    m = m.double()
    fill_params(m)
    x = x.clone().requires_grad_()
    y = m(x, **kw)
    y.backward(G(y.shape))
    return [y.detach(), x.grad] + grads_of(m)


def transformer():
    c = {}
    layer = lambda **kw: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, **kw)
    c["encoder_layer"] = encoder_case(layer(), X([5, 2, 8]))
    c["encoder_layer_norm_first_gelu"] = encoder_case(layer(norm_first=True, activation="gelu"), X([5, 2, 8]))
    src_mask = block_mask(5, 5)
    kpm = torch.tensor([[False, False, False, True, True], [False, True, False, False, False]])
    c["encoder_layer_batch_first_masks"] = encoder_case(layer(batch_first=True, layer_norm_eps=1e-3), X([2, 5, 8]),
                                                        src_mask=src_mask, src_key_padding_mask=kpm)
    c["encoder_layer_norm_first_batch_first_causal"] = encoder_case(
        layer(batch_first=True, norm_first=True), X([2, 5, 8]),
        src_mask=torch.triu(torch.full((5, 5), float("-inf")), 1))
    c["encoder_layer_unbatched"] = encoder_case(layer(), X([4, 8]))
    c["encoder_layer_batch1"] = encoder_case(layer(), X([3, 1, 8]))
    enc = nn.TransformerEncoder(layer(), 2, norm=nn.LayerNorm(8))
    c["encoder_stack_norm"] = encoder_case(enc, X([5, 2, 8]), src_key_padding_mask=kpm)
    c["encoder_stack_norm_first"] = encoder_case(nn.TransformerEncoder(layer(norm_first=True), 3), X([4, 2, 8]))
    return c


# ---- rnn_test.cpp: RNN, LSTM, GRU (I = 4, H = 3) and the cells ---------------------------------------------------

def rnn_case(m, x, states=(), lengths=None):
    """[output, h_n (, c_n), dx, dstates..., dparams...] of sum(out g) + sum(h_n g) (+ sum(c_n g)), with the
    given initial states (h0 = X(phase 1), c0 = X(phase 2)). With lengths the input goes through
    pack_padded_sequence(enforce_sorted=False) and the output through pad_packed_sequence(total_length=L)."""
    m = m.double()
    fill_params(m)
    x = x.clone().requires_grad_()
    states = [s.clone().requires_grad_() for s in states]
    hx = None if not states else states[0] if len(states) == 1 else tuple(states)
    steps = x.shape[1] if m.batch_first and x.dim() == 3 else x.shape[0]
    inp = x if lengths is None else pack_padded_sequence(x, torch.tensor(lengths), m.batch_first, False)
    out, h = m(inp, hx)
    if lengths is not None:
        out, _ = pad_packed_sequence(out, m.batch_first, total_length=steps)
    finals = list(h) if isinstance(h, tuple) else [h]
    sum((t * G(t.shape)).sum() for t in [out] + finals).backward()
    return [out.detach()] + [f.detach() for f in finals] + [x.grad] + [s.grad for s in states] + grads_of(m)


def cell_case(m, x, states=()):
    """[h' (, c'), dx, dstates..., dparams...] of sum(h' g) (+ sum(c' g)); states as rnn_case's."""
    m = m.double()
    fill_params(m)
    x = x.clone().requires_grad_()
    states = [s.clone().requires_grad_() for s in states]
    hx = None if not states else states[0] if len(states) == 1 else tuple(states)
    out = m(x, hx)
    outs = list(out) if isinstance(out, tuple) else [out]
    sum((t * G(t.shape)).sum() for t in outs).backward()
    return [t.detach() for t in outs] + [x.grad] + [s.grad for s in states] + grads_of(m)


def h0(shape):
    return X(shape, 1.0, 1.0)


def c0(shape):
    return X(shape, 1.0, 2.0)


def rnn():
    c = {}
    x = X([5, 2, 4])
    c["rnn_tanh"] = rnn_case(nn.RNN(4, 3), x)
    c["rnn_relu_2layer_bidir_h0"] = rnn_case(nn.RNN(4, 3, 2, nonlinearity="relu", bidirectional=True), x,
                                             [h0([4, 2, 3])])
    c["rnn_batch_first_no_bias"] = rnn_case(nn.RNN(4, 3, bias=False, batch_first=True), X([2, 5, 4]))
    c["rnn_unbatched_h0"] = rnn_case(nn.RNN(4, 3), X([5, 4]), [h0([1, 3])])
    c["lstm"] = rnn_case(nn.LSTM(4, 3), x)
    c["lstm_2layer_bidir_h0c0"] = rnn_case(nn.LSTM(4, 3, 2, bidirectional=True), x, [h0([4, 2, 3]), c0([4, 2, 3])])
    c["lstm_2layer_batch_first"] = rnn_case(nn.LSTM(4, 3, 2, batch_first=True), X([2, 5, 4]))
    c["lstm_bidir_batch_first_h0c0"] = rnn_case(nn.LSTM(4, 3, bidirectional=True, batch_first=True), X([3, 4, 4]),
                                                [h0([2, 3, 3]), c0([2, 3, 3])])
    c["lstm_2layer_batch1"] = rnn_case(nn.LSTM(4, 3, 2), X([6, 1, 4]))
    c["lstm_unbatched_bidir_h0c0"] = rnn_case(nn.LSTM(4, 3, bidirectional=True), X([5, 4]), [h0([2, 3]), c0([2, 3])])
    c["gru"] = rnn_case(nn.GRU(4, 3), x)
    c["gru_2layer_bidir_h0"] = rnn_case(nn.GRU(4, 3, 2, bidirectional=True), x, [h0([4, 2, 3])])
    c["gru_batch_first_no_bias"] = rnn_case(nn.GRU(4, 3, bias=False, batch_first=True), X([2, 5, 4]))
    c["gru_unbatched_2layer"] = rnn_case(nn.GRU(4, 3, 2), X([5, 4]))
    # Variable lengths (unsorted; the last case's longest sequence is shorter than L).
    c["lstm_packed_2layer_bidir_h0c0"] = rnn_case(nn.LSTM(4, 3, 2, bidirectional=True), X([5, 3, 4]),
                                                  [h0([4, 3, 3]), c0([4, 3, 3])], [3, 5, 2])
    c["gru_packed_batch_first_bidir"] = rnn_case(nn.GRU(4, 3, bidirectional=True, batch_first=True), X([3, 5, 4]),
                                                 lengths=[2, 5, 4])
    c["rnn_packed_relu_bidir_h0"] = rnn_case(nn.RNN(4, 3, nonlinearity="relu", bidirectional=True), X([5, 3, 4]),
                                             [h0([2, 3, 3])], [4, 1, 2])
    # Cells.
    c["rnn_cell_tanh_hx"] = cell_case(nn.RNNCell(4, 3), X([2, 4]), [h0([2, 3])])
    c["rnn_cell_relu"] = cell_case(nn.RNNCell(4, 3, nonlinearity="relu"), X([3, 4]))
    c["lstm_cell_hx"] = cell_case(nn.LSTMCell(4, 3), X([2, 4]), [h0([2, 3]), c0([2, 3])])
    c["lstm_cell_unbatched"] = cell_case(nn.LSTMCell(4, 3), X([4]))
    c["gru_cell_hx"] = cell_case(nn.GRUCell(4, 3), X([2, 4]), [h0([2, 3])])
    c["gru_cell_no_bias_unbatched_hx"] = cell_case(nn.GRUCell(4, 3, bias=False), X([4]), [h0([3])])
    return c


# ---- Printing ------------------------------------------------------------------------------------------------

def num(v):
    if math.isnan(v):
        return "kNaN"
    if math.isinf(v):
        return "kInf" if v > 0 else "-kInf"
    s = "%.13g" % v
    return s if any(ch in s for ch in ".en") else s + ".0"


def entry(name, tensors, indent=4, width=120):
    """{"name", {out shape}, {{values}, ...}}, wrapped at `width`."""
    shape = "{" + ", ".join(str(int(d)) for d in tensors[0].shape) + "}"
    lines = [" " * indent + '{"%s", %s,' % (name, shape)]
    pad = " " * (indent + 1)
    for j, t in enumerate(tensors):
        vals = [num(float(v)) for v in t.detach().reshape(-1)]
        opener = "{{" if j == 0 else "{"
        closer = "}}}," if j == len(tensors) - 1 else "},"
        line = pad + opener
        for i, v in enumerate(vals):
            piece = v + ("," if i < len(vals) - 1 else closer)
            if len(line) + 1 + len(piece) > width and not line.endswith("{"):
                lines.append(line)
                line = pad + "  " + piece
            else:
                line += ("" if line.endswith("{") else " ") + piece
        if not vals:
            line += closer
        lines.append(line)
    return "\n".join(lines)


# Section name -> (function in reference_values.h, the test file that uses it, case maker).
SECTIONS = [
    ("layers", "layers_test.cpp", layers),
    ("activations", "activation_test.cpp", activations),
    ("normalization", "normalization_test.cpp", normalization),
    ("losses", "loss_test.cpp", losses),
    ("extra_losses", "loss_test.cpp", extra_losses),
    ("embedding", "embedding_test.cpp", embedding),
    ("attention", "attention_test.cpp", attention),
    ("transformer", "transformer_test.cpp", transformer),
    ("rnn", "rnn_test.cpp", rnn),
]

HEADER = """#pragma once
// PyTorch 1.13 reference values for the tessera::nn tests. Generated by tests/nn/make_reference.py (which
// documents the input formulas); do not edit, rerun it: /usr/bin/python3 tests/nn/make_reference.py
#include <vector>

#include "nn_testing.h"

namespace tessera::testing::nn_reference {

// clang-format off
"""


def main():
    out = [HEADER]
    for name, test_file, make in SECTIONS:
        out.append("// %s\ninline const std::vector<NnReference>& %s() {\n" % (test_file, name))
        out.append("  static const auto* table = new std::vector<NnReference>{\n")
        out.append("\n".join(entry(k, v) for k, v in make().items()))
        out.append("\n  };\n  return *table;\n}\n\n")
    out.append("// clang-format on\n\n}  // namespace tessera::testing::nn_reference\n")
    with open(os.path.join(HERE, "reference_values.h"), "w") as f:
        f.write("".join(out))
    print("wrote reference_values.h")


if __name__ == "__main__":
    main()
