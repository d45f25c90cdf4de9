"""PyTorch reference for `talking-models bench speed --pytorch`.

Runs the experiments.md speed workloads with the same shapes, losses and optimizers as the
TensorFlow.js ones, and prints one JSON object on stdout: every measured step's time, and which
BLAS kernel served them. Called by the TypeScript bench, which interleaves these runs with its own
and runs this script once as installed and once with OPENBLAS_CORETYPE set.
Usage: pytorch_speed.py --workloads rec-mlp,cnn --steps 20 --warmup 3 --threads 2 [--batch N]
"""
import argparse
import ctypes
import json
import os
import time

import torch
from torch import nn


def rec_mlp(batch):
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.user = nn.Embedding(943, 64)
            self.item = nn.Embedding(1682, 64)
            self.tower = nn.Sequential(
                nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))

        def forward(self, u, i):
            return self.tower(torch.cat([self.user(u), self.item(i)], dim=1))

    model = Model()
    users = torch.randint(0, 943, (batch,))
    items = torch.randint(0, 1682, (batch,))
    ratings = torch.randint(1, 6, (batch, 1)).float()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(users, items), ratings)
        loss.backward()
        opt.step()
        return loss.item()

    return step


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (self.proj(x) if self.proj is not None else x))


def resnet(blocks_per_stage, classes):
    """The CIFAR ResNet of src/models/resnet.ts: stages of 16, 32 and 64 channels."""
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for stage, cout in enumerate((16, 32, 64)):
        for block in range(blocks_per_stage):
            layers.append(Block(cin, cout, 2 if stage > 0 and block == 0 else 1))
            cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes))


def cnn(batch):
    model = resnet(1, 10)
    images = torch.randn(batch, 3, 32, 32)
    labels = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def teacher_forward(batch):
    # E2's frozen teacher (ResNet-20, 5 source classes) reading a batch, as in a distillation step.
    model = resnet(3, 5).eval()
    images = torch.randn(batch, 3, 32, 32)

    def step():
        with torch.no_grad():
            return model(images)[0, 0].item()

    return step


def blas():
    """The BLAS library this process loaded and, when it is OpenBLAS, the kernel it picked.

    Debian's torch links the system libblas.so.3, which the alternatives system points at OpenBLAS
    or at the slow reference BLAS; OpenBLAS picks its kernel (core type) at load time, from the
    CPU or from OPENBLAS_CORETYPE.
    """
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1].lower()})
    for path in paths:
        try:
            library = ctypes.CDLL(path)
            corename = library.openblas_get_corename
        except (OSError, AttributeError):
            continue
        corename.restype = ctypes.c_char_p
        config = library.openblas_get_config
        config.restype = ctypes.c_char_p
        return {"library": os.path.basename(path), "openblas": True,
                "coretype": corename().decode(), "config": config().decode().strip()}
    return {"library": ", ".join(os.path.basename(p) for p in paths) or "none found", "openblas": False}


WORKLOADS = {"rec-mlp": (rec_mlp, 1024), "cnn": (cnn, 128), "teacher-forward": (teacher_forward, 128)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workloads", default="rec-mlp,cnn")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    # Mirrors the TypeScript --batch override, so a quick run still compares equal work.
    parser.add_argument("--batch", type=int, default=None)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rows = []
    for name in args.workloads.split(","):
        if name not in WORKLOADS:
            continue
        build, default_batch = WORKLOADS[name]
        batch = args.batch or default_batch
        step = build(batch)
        for _ in range(args.warmup):
            step()
        times = []
        for _ in range(args.steps):
            start = time.perf_counter()
            step()
            times.append((time.perf_counter() - start) * 1000)
        rows.append({"workload": name, "times": times, "batch": batch})
    print(json.dumps({"framework": "pytorch", "version": torch.__version__,
                      "threads": torch.get_num_threads(), "mkldnn": torch.backends.mkldnn.is_available(),
                      "blas": blas(), "rows": rows}))


if __name__ == "__main__":
    main()
