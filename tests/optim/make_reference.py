#!/usr/bin/python3
"""Writes tests/optim/reference_values.h: PyTorch 1.13 reference values for the tessera::optim tests.

Run with Debian's python (the one that sees torch):  /usr/bin/python3 tests/optim/make_reference.py
The default dtype is float64 so that PyTorch's 0-d state tensors (Adam's `step`, NAdam's `mu_product`) are
float64 like Tessera's; everything else uses explicit float64 tensors.
"""
import math
import os
import shutil
import subprocess

import torch

torch.set_default_dtype(torch.float64)
O = torch.optim
S = torch.optim.lr_scheduler

P1 = [[0.5, -1.2, 0.3], [2.0, -0.7, 1.1]]
P2 = [0.4, -0.25, 1.5]
G1 = [[0.3, -0.8, 0.5], [-0.2, 0.9, -0.4]]
G2 = [0.6, -0.1, 0.25]
STEPS = 3


def grads(k):
    """The gradients at step k (k = 0, 1, 2); the C++ test builds the same ones."""
    g1 = torch.tensor(G1) * (1 + 0.3 * k) + 0.05 * k
    g2 = torch.tensor(G2) * (1 - 0.2 * k) - 0.03 * k
    return g1, g2


def params():
    return torch.tensor(P1, requires_grad=True), torch.tensor(P2, requires_grad=True)


# name -> (factory(p1, p2) -> optimizer, steps at which p2 gets no gradient)
OPTIMIZERS = {
    "sgd": (lambda a, b: O.SGD([a, b], lr=0.1), ()),
    "sgd_momentum": (lambda a, b: O.SGD([a, b], lr=0.1, momentum=0.9), ()),
    "sgd_dampening_wd": (lambda a, b: O.SGD([a, b], lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01), ()),
    "sgd_nesterov_wd": (lambda a, b: O.SGD([a, b], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05), ()),
    "sgd_maximize": (lambda a, b: O.SGD([a, b], lr=0.1, momentum=0.5, maximize=True), ()),
    "sgd_groups": (lambda a, b: O.SGD([{"params": [a]}, {"params": [b], "lr": 0.01, "momentum": 0.5}],
                                      lr=0.1, momentum=0.9), ()),
    "adam": (lambda a, b: O.Adam([a, b], lr=0.1), ()),
    "adam_wd": (lambda a, b: O.Adam([a, b], lr=0.1, weight_decay=0.1), ()),
    "adam_amsgrad": (lambda a, b: O.Adam([a, b], lr=0.1, betas=(0.8, 0.5), amsgrad=True), ()),
    "adam_maximize": (lambda a, b: O.Adam([a, b], lr=0.1, maximize=True, eps=1e-3), ()),
    "adam_skip": (lambda a, b: O.Adam([a, b], lr=0.1), (1,)),
    "adamw": (lambda a, b: O.AdamW([a, b], lr=0.1), ()),
    "adamw_amsgrad": (lambda a, b: O.AdamW([a, b], lr=0.1, betas=(0.8, 0.5), weight_decay=0.1, amsgrad=True), ()),
    "rmsprop": (lambda a, b: O.RMSprop([a, b]), ()),
    "rmsprop_centered": (lambda a, b: O.RMSprop([a, b], lr=0.01, centered=True), ()),
    "rmsprop_momentum": (lambda a, b: O.RMSprop([a, b], lr=0.01, momentum=0.9), ()),
    "rmsprop_all": (lambda a, b: O.RMSprop([a, b], lr=0.02, alpha=0.9, eps=1e-4, weight_decay=0.1, momentum=0.5,
                                           centered=True), ()),
    "rmsprop_maximize": (lambda a, b: O.RMSprop([a, b], lr=0.01, maximize=True), ()),
    "adagrad": (lambda a, b: O.Adagrad([a, b], lr=0.1), ()),
    "adagrad_all": (lambda a, b: O.Adagrad([a, b], lr=0.1, lr_decay=0.1, weight_decay=0.1,
                                           initial_accumulator_value=0.5, eps=1e-6), ()),
    "adagrad_maximize": (lambda a, b: O.Adagrad([a, b], lr=0.1, maximize=True), ()),
    "adadelta": (lambda a, b: O.Adadelta([a, b]), ()),
    "adadelta_all": (lambda a, b: O.Adadelta([a, b], lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1), ()),
    "adadelta_maximize": (lambda a, b: O.Adadelta([a, b], maximize=True), ()),
    "adamax": (lambda a, b: O.Adamax([a, b], lr=0.1), ()),
    "adamax_all": (lambda a, b: O.Adamax([a, b], lr=0.1, betas=(0.8, 0.5), weight_decay=0.1), ()),
    "adamax_maximize": (lambda a, b: O.Adamax([a, b], lr=0.1, maximize=True), ()),
    "nadam": (lambda a, b: O.NAdam([a, b], lr=0.1), ()),
    "nadam_all": (lambda a, b: O.NAdam([a, b], lr=0.1, betas=(0.8, 0.5), weight_decay=0.1, momentum_decay=0.01), ()),
}


def run_optimizer(factory, skip):
    a, b = params()
    opt = factory(a, b)
    out = []
    for k in range(STEPS):
        g1, g2 = grads(k)
        a.grad = g1
        b.grad = None if k in skip else g2
        opt.step()
        out.append(a.detach().flatten().tolist() + b.detach().tolist())
    return out


# ---- Schedulers ------------------------------------------------------------------------------------------------
def sgd2():
    a, b = params()
    return O.SGD([{"params": [a]}, {"params": [b], "lr": 0.02}], lr=0.1, momentum=0.9)


def adam2():
    a, b = params()
    return O.Adam([{"params": [a]}, {"params": [b], "lr": 0.02}], lr=0.1)


def plateau_metric(k):
    """A loss that improves for 10 epochs, then wobbles on a plateau; the C++ test builds the same one."""
    return 1.0 / (1 + k) if k < 10 else 0.1 + 0.001 * ((k * 7) % 5)


def seq(make):
    """lr of both groups (and momentum / beta1 of group 0) after construction and after each of 50 steps."""
    opt = make[0]()
    sch = make[1](opt)
    lrs, moms = [], []

    def record():
        lrs.append(list(sch.get_last_lr()) if hasattr(sch, "get_last_lr") else [g["lr"] for g in opt.param_groups])
        g = opt.param_groups[0]
        moms.append(g["betas"][0] if "betas" in g else g["momentum"])

    record()
    for k in range(50):
        opt.step()
        if isinstance(sch, S.ReduceLROnPlateau):
            sch.step(plateau_metric(k))
            lrs.append([g["lr"] for g in opt.param_groups])
            moms.append(opt.param_groups[0]["momentum"])
        else:
            sch.step()
            record()
    return lrs, moms


def cosine_resumed(o):
    """CosineAnnealingLR resumed at epoch 4 of a run (groups already carry initial_lr)."""
    for g in o.param_groups:
        g["initial_lr"] = g["lr"]
    return S.CosineAnnealingLR(o, T_max=10, eta_min=0.001, last_epoch=4)


def warm_restart_epochs():
    """CosineAnnealingWarmRestarts stepped to explicit (fractional) epochs: [epoch, lr of group 0]."""
    out = []
    for t_mult in (1, 2):
        opt = sgd2()
        sch = S.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=t_mult, eta_min=0.01)
        for e in (0.5, 3.2, 5.0, 7.75, 15.0, 16.5, 40.2, 2.0):
            sch.step(e)
            out.append([t_mult, e, sch.get_last_lr()[0]])
    return out


SCHEDULERS = {
    "step": (sgd2, lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
    "multistep": (sgd2, lambda o: S.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3)),
    "exponential": (sgd2, lambda o: S.ExponentialLR(o, gamma=0.93)),
    "cosine": (sgd2, lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    "cosine_resumed": (sgd2, cosine_resumed),
    "warm_restarts": (sgd2, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01)),
    "warm_restarts_mult1": (sgd2, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=7)),
    "one_cycle_cos": (sgd2, lambda o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=50)),
    "one_cycle_linear3": (adam2, lambda o: S.OneCycleLR(o, max_lr=0.8, total_steps=50, anneal_strategy="linear",
                                                        three_phase=True, pct_start=0.25, div_factor=10.0,
                                                        final_div_factor=100.0)),
    "one_cycle_no_momentum": (sgd2, lambda o: S.OneCycleLR(o, max_lr=0.3, epochs=5, steps_per_epoch=10,
                                                           cycle_momentum=False)),
    "linear": (sgd2, lambda o: S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=8)),
    "lambda": (sgd2, lambda o: S.LambdaLR(o, lambda e: 0.95 ** e)),
    "lambda_per_group": (sgd2, lambda o: S.LambdaLR(o, [lambda e: 1.0 / (1 + e), lambda e: 0.9 ** (e // 3)])),
    "sequential": (sgd2, lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                                      S.ExponentialLR(o, gamma=0.9)], milestones=[5])),
    "sequential_cosine": (sgd2, lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.5, total_iters=10),
                                                             S.CosineAnnealingLR(o, T_max=20)], milestones=[10])),
    "plateau_min": (sgd2, lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=3, cooldown=2, min_lr=0.01)),
    "plateau_max_abs": (sgd2, lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=2,
                                                            threshold=0.01, threshold_mode="abs",
                                                            min_lr=[0.001, 0.005])),
}


# ---- clip_grad and constraints ---------------------------------------------------------------------------------
def clip_cases():
    out = {}
    for name, max_norm, norm_type in [("l2", 0.5, 2.0), ("l1", 1.0, 1.0), ("inf", 0.3, math.inf),
                                      ("l3", 0.4, 3.0), ("noclip", 100.0, 2.0)]:
        a, b = params()
        a.grad, b.grad = grads(1)
        total = torch.nn.utils.clip_grad_norm_([a, b], max_norm, norm_type)
        out[name] = [total.item()] + a.grad.flatten().tolist() + b.grad.tolist()
    return out


def constraint_cases():
    w = torch.tensor(P1)
    return {
        "max_norm_dim0": torch.renorm(w, 2, 0, 1.0).flatten().tolist(),
        "max_norm_dim1": torch.renorm(w, 2, 1, 1.2).flatten().tolist(),
        "unit_norm_dim0": (w / w.norm(dim=1, keepdim=True)).flatten().tolist(),
        "unit_norm_dim1": (w / w.norm(dim=0, keepdim=True)).flatten().tolist(),
        "non_neg": w.clamp(min=0).flatten().tolist(),
    }


# ---- Output ----------------------------------------------------------------------------------------------------
def fmt(v):
    if math.isinf(v):
        return "kInf" if v > 0 else "-kInf"
    return repr(float(v))


def vec(values):
    return "{" + ", ".join(fmt(v) for v in values) + "}"


def main():
    lines = [
        "#pragma once",
        "// GENERATED by tests/optim/make_reference.py from PyTorch " + torch.__version__ + "; do not edit.",
        "#include <limits>",
        "#include <map>",
        "#include <string>",
        "#include <vector>",
        "",
        "namespace tessera::optim::reference {",
        "",
        "inline constexpr double kInf = std::numeric_limits<double>::infinity();",
        "",
        "/// Params [2, 3] and [3] (flattened, concatenated) after each of 3 steps, per optimizer variant.",
        "inline const std::map<std::string, std::vector<std::vector<double>>> kOptimizerSteps = {",
    ]
    for name, (factory, skip) in OPTIMIZERS.items():
        rows = run_optimizer(factory, skip)
        lines.append('    {"%s", {%s}},' % (name, ", ".join(vec(r) for r in rows)))
    lines += ["};", "",
              "/// Learning rates [group 0, group 1] after construction and after each of 50 steps.",
              "inline const std::map<std::string, std::vector<std::vector<double>>> kSchedulerLrs = {"]
    moms = {}
    for name, make in SCHEDULERS.items():
        lrs, m = seq(make)
        moms[name] = m
        lines.append('    {"%s", {%s}},' % (name, ", ".join(vec(r) for r in lrs)))
    lines += ["};", "",
              "/// Group 0's momentum (or beta1) alongside kSchedulerLrs (OneCycleLR cycles it).",
              "inline const std::map<std::string, std::vector<double>> kSchedulerMomenta = {"]
    for name in ("one_cycle_cos", "one_cycle_linear3", "one_cycle_no_momentum"):
        lines.append('    {"%s", %s},' % (name, vec(moms[name])))
    lines += ["};", "",
              "/// CosineAnnealingWarmRestarts(T_0 5, eta_min 0.01).step(epoch): {T_mult, epoch, lr of group 0}.",
              "inline const std::vector<std::vector<double>> kWarmRestartEpochs = {"]
    for row in warm_restart_epochs():
        lines.append("    %s," % vec(row))
    lines += ["};", "",
              "/// clip_grad_norm_ on step-1 gradients: {total norm, clipped grads...}.",
              "inline const std::map<std::string, std::vector<double>> kClipGradNorm = {"]
    for name, v in clip_cases().items():
        lines.append('    {"%s", %s},' % (name, vec(v)))
    lines += ["};", "", "/// Constraints applied to the [2, 3] param P1.",
              "inline const std::map<std::string, std::vector<double>> kConstraints = {"]
    for name, v in constraint_cases().items():
        lines.append('    {"%s", %s},' % (name, vec(v)))
    lines += ["};", "", "}  // namespace tessera::optim::reference", ""]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference_values.h")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    if shutil.which("clang-format"):  # the project's style (.clang-format), e.g. 120 columns
        subprocess.run(["clang-format", "-i", path], check=True)
    print("wrote", path)


if __name__ == "__main__":
    main()
