#!/usr/bin/python3
"""PyTorch's figures for the main job: the same Fashion-MNIST CNN, optimizer, schedule, batch size, split and
epochs as `tessera train`, on the same machine. Run with Debian's python3-torch:
    /usr/bin/python3 bench/torch_fashion_cnn.py [--epochs 8] [--threads 2] [--steps N]
--steps N times only the first N training steps (throughput without a full run)."""
import argparse, gzip, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(name):
    with gzip.open(f"{DATA}/{name}", "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def prepare(images):
    return (torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1) - 0.2860) / 0.3530


def model():
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def evaluate(net, x, y):
    net.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            out = net(x[i:i + 1000])
            loss += F.cross_entropy(out, y[i:i + 1000], reduction="sum").item()
            correct += (out.argmax(1) == y[i:i + 1000]).sum().item()
    net.train()
    return loss / len(x), correct / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x = prepare(read_idx("train-images-idx3-ubyte.gz"))
    y = torch.from_numpy(read_idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    xt = prepare(read_idx("t10k-images-idx3-ubyte.gz"))
    yt = torch.from_numpy(read_idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    n_train = 54000
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.epochs)
    start = time.time()
    steps = 0
    for epoch in range(a.epochs):
        t0 = time.time()
        perm = torch.randperm(n_train)
        for i in range(0, n_train, 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            F.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
            steps += 1
            if a.steps and steps == a.steps:
                dt = time.time() - t0
                print(f"torch: {steps} steps of batch 64 in {dt:.2f}s = {steps * 64 / dt:.0f} images/s")
                return
        sched.step()
        vl, va = evaluate(net, x[n_train:], y[n_train:])
        dt = time.time() - t0
        print(f"epoch {epoch + 1}/{a.epochs} - {dt:.1f}s - {n_train / dt:.0f} images/s - val_loss {vl:.4f} - "
              f"val_accuracy {va:.4f}")
    tl, ta = evaluate(net, xt, yt)
    print(f"torch: test loss {tl:.4f} - test accuracy {ta:.4f} - total {time.time() - start:.1f}s")


if __name__ == "__main__":
    main()
