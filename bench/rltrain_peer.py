#!/usr/bin/python3
# Peer for bench/rltrain.sh: the same discrete PPO-Clip update in PyTorch
# (ElegantRL's shape: actor/critic MLPs with ReLU..., Hardswish, Adam, clipped
# surrogate + entropy, SmoothL1 critic), on random data of the same sizes, and
# single-state greedy inference.  Prints seconds per update and decisions/s.
#   /usr/bin/python3 bench/rltrain_peer.py HIDDEN ROLLOUT BATCH REPEAT UPDATES
import sys, time
import torch
import torch.nn as nn

torch.set_num_threads(1)
torch.manual_seed(0)
hid = [int(h) for h in sys.argv[1].split(",")]
R, B, rep, U = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
S, A = 32, 63


def mlp(nout):
    layers, n = [], S
    for i, h in enumerate(hid):
        layers += [nn.Linear(n, h), nn.Hardswish() if i == len(hid) - 1 else nn.ReLU()]
        n = h
    layers.append(nn.Linear(n, nout))
    return nn.Sequential(*layers).double()


act, cri = mlp(A), mlp(1)
oa = torch.optim.Adam(act.parameters(), lr=1e-3)
oc = torch.optim.Adam(cri.parameters(), lr=1e-3)
st = torch.randn(R, S, dtype=torch.float64)
a = torch.randint(0, A, (R,))
lp_old = torch.full((R,), -4.0, dtype=torch.float64)
adv = torch.randn(R, dtype=torch.float64)
ret = torch.randn(R, dtype=torch.float64)
n_upd = max(1, int(R / B * rep))
t0 = time.perf_counter()
for u in range(U):
    with torch.no_grad():  # the rollout's values, as the C code computes them
        cri(st)
    for k in range(n_upd):
        idx = torch.randint(0, R, (B,))
        logits = act(st[idx])
        dist = torch.distributions.Categorical(logits=logits)
        lp = dist.log_prob(a[idx])
        ratio = (lp - lp_old[idx]).exp()
        s1 = ratio * adv[idx]
        s2 = ratio.clamp(0.8, 1.2) * adv[idx]
        loss = -torch.min(s1, s2).mean() - 0.02 * dist.entropy().mean()
        oa.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(act.parameters(), 3.0)
        oa.step()
        v = cri(st[idx]).squeeze(1)
        closs = nn.functional.smooth_l1_loss(v, ret[idx]) / (ret.std() + 1e-6)
        oc.zero_grad()
        closs.backward()
        nn.utils.clip_grad_norm_(cri.parameters(), 3.0)
        oc.step()
t1 = time.perf_counter()
x = torch.randn(1, S, dtype=torch.float64)
N = 20000 if hid[0] <= 128 else 2000
with torch.no_grad():
    t2 = time.perf_counter()
    for i in range(N):
        int(act(x).argmax())
    t3 = time.perf_counter()
print("torch %s: %.4f s per update (%d minibatches of %d), %.0f decisions/s" %
      (sys.argv[1], (t1 - t0) / U, n_upd, B, N / (t3 - t2)))
