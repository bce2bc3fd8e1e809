#!/usr/bin/python3
"""PyTorch side of bench/lstm.sh: the same LSTM forecaster as lstmtrain's
(1 layer, MSE head on the last hidden state, Adam, gradient clipping) trained
on the same CSV, and single-window prediction latency.

usage: torch_bench.py CSV HIDDEN WINDOW HORIZON BATCH EPOCHS THREADS
prints: train_windows_per_s <x>, predict_us <y> (wall) and predict_cpu_us <z>
"""
import sys
import time

import numpy as np
import torch

csv, H, W, HZ, B, EPOCHS, THREADS = sys.argv[1], *map(int, sys.argv[2:8])
torch.set_num_threads(THREADS)
torch.manual_seed(1)
y = np.loadtxt(csv, delimiter=",", skiprows=1, usecols=1)
z = (y - y.mean()) / y.std()
n = len(z) - W - HZ + 1
idx = np.arange(n)[:, None]
X = torch.tensor(z[idx + np.arange(W)], dtype=torch.float32).T.unsqueeze(-1).contiguous()  # (W, n, 1)
Y = torch.tensor(z[idx + W + np.arange(HZ)], dtype=torch.float32)                         # (n, HZ)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(1, H)
        self.head = torch.nn.Linear(H, HZ)

    def forward(self, x):
        seq, _ = self.rnn(x)
        return self.head(seq[-1])


net = Net()
opt = torch.optim.Adam(net.parameters(), lr=3e-3)
t0 = time.perf_counter()
seen = 0
for ep in range(EPOCHS):
    perm = torch.randperm(n)
    for i in range(0, n, B):
        j = perm[i:i + B]
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(X[:, j]), Y[j])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        seen += len(j)
dt = time.perf_counter() - t0
print("train_windows_per_s %.0f" % (seen / dt))

x1 = X[:, :1].clone()
with torch.no_grad():
    for _ in range(50):
        net(x1)
    reps = 2000
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(reps):
        net(x1)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
print("predict_us %.1f" % (dt / reps * 1e6))
print("predict_cpu_us %.1f" % (dc / reps * 1e6))
