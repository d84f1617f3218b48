#!/usr/bin/python3
"""PyTorch peer of bench/perf.c (issue 6, docs/performance.md).

The same algorithm as shrinknet's MC noise training, step for step: an MLP D -> 50 -> 1 (ReLU),
inverted Bernoulli dropout (keep 0.995) on the input of every layer with a fresh mask per data
point and noise sample (S = 10 samples of a minibatch of B = 32 points go through the network as
S*B rows, sample-minor), Gaussian log-likelihood with a learned log precision, tail-adaptive
weights (MATH.md (21)-(22), ties within 1e-12 relative counted as equal) as a stop-gradient
surrogate, Adam (lr 1e-3), a fresh permutation every epoch, the last minibatch smaller.

Timed two ways, with torch.set_num_threads(2):
  split    one network, one split: seconds per epoch;
  stacked  20 splits stacked into one batched network (torch.baddbmm), one optimiser over the
           stacked parameters (Adam is element-wise, so this is 20 independent Adams): seconds per
           epoch of all 20 divided by 20, i.e. per split-epoch.

Configuration D: variational EM (MATH.md §4) of a residual net D -> 50 -> 50 (one residual block)
-> 1 with a mean-field Gaussian q(W) = N(mu, softplus(rho)^2), S = 10 local-reparametrisation
samples per point ((27): A = H mu + b + sqrt((H*H)(sigma*sigma)) * eps, a fresh eps per row), the
ARD-ADD prior (ARD rows on the first and last matrices, rows x block on the residual block) with
inverse-gamma(3, 3) hyper-priors, the prior variances set in closed form before every step ((29),
and for ARD-ADD three warm-started sweeps of (32), where shrinknet solves (32) exactly), the
minibatch ELBO (34) with a learned noise precision, and Adam. Autograd gives the gradient.
Prints lines "PEER config=X mode=split|stacked s_per_epoch=..." for bench/perf.sh.

usage: /usr/bin/python3 bench/peers/torch_peer.py [--quick] [--only ABC] [--double]
"""
import argparse
import math
import statistics
import time

import torch

CONFIGS = {"A": (277, 6), "B": (8611, 4), "C": (7373, 8), "D": (8611, 4)}
IG_A, IG_B, SIGMA_INIT = 3.0, 3.0, 1e-2
HIDDEN, S, BATCH, KEEP, LR, TIE_RTOL = 50, 10, 32, 0.995, 1e-3, 1e-12


def synthetic(n, d, gen, dtype):
    """x ~ N(0,1)^d and a smooth target plus noise, as in bench/perf.c."""
    x = torch.randn(n, d, generator=gen, dtype=dtype)
    k = torch.arange(1, d + 1, dtype=dtype)
    y = (torch.sin(x * k * 0.7) / k).sum(1) + 0.3 * x[:, 0] ** 2 + 0.1 * torch.randn(
        n, generator=gen, dtype=dtype)
    x = (x - x.mean(0)) / x.std(0, unbiased=False)
    y = (y - y.mean()) / y.std(unbiased=False)
    return x, y


def glorot(shape, fan_in, fan_out, gen, dtype):
    lim = math.sqrt(6.0 / (fan_in + fan_out))
    return ((torch.rand(*shape, generator=gen, dtype=dtype) * 2 - 1) * lim).requires_grad_()


def tail_weights(ll):
    """(21) on ll [..., B, S]: gamma_s = S / #{k: ll_k >= ll_s}, normalised over s."""
    with torch.no_grad():
        tol = TIE_RTOL * ll.abs().clamp(min=1.0)
        count = (ll.unsqueeze(-2) >= (ll - tol).unsqueeze(-1)).sum(-1).to(ll.dtype)
        gamma = ll.shape[-1] / count
        return gamma / gamma.sum(-1, keepdim=True)


def step_objective(xb, yb, params, n_splits=None):
    """Per-datum tail-adaptive surrogate (18), (22) of one minibatch, summed over splits.
    xb [(n_splits,) B, D], yb [(n_splits,) B]."""
    w0, b0, w1, b1, logk = params
    nb = xb.shape[-2]
    x = xb.repeat_interleave(S, dim=-2)                      # [(K,) S*B, D], sample-minor
    m0 = (torch.rand(x.shape, dtype=x.dtype) < KEEP).to(x.dtype) / KEEP
    if n_splits is None:
        h = torch.relu(torch.addmm(b0, x * m0, w0))
        m1 = (torch.rand(h.shape, dtype=h.dtype) < KEEP).to(h.dtype) / KEEP
        yhat = torch.addmm(b1, h * m1, w1).squeeze(-1)
    else:
        h = torch.relu(torch.baddbmm(b0, x * m0, w0))
        m1 = (torch.rand(h.shape, dtype=h.dtype) < KEEP).to(h.dtype) / KEEP
        yhat = torch.baddbmm(b1, h * m1, w1).squeeze(-1)
    yhat = yhat.reshape(yhat.shape[:-1] + (nb, S))
    r = yb.unsqueeze(-1) - yhat
    ll = 0.5 * (logk - math.log(2 * math.pi)) - 0.5 * torch.exp(logk) * r * r
    w = tail_weights(ll)
    return (w * ll).sum() / nb


def softplus_inv(y):
    return math.log(math.expm1(y))


def vem_params(d, k, gen, dtype):
    """mu, rho, b for the three matrices of the resnet [d,50], [50,50], [50,1] (stacked over k
    splits when k is not None), plus log kappa."""
    shape = (lambda *s: (k,) + s) if k else (lambda *s: s)
    dims = [(d, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, 1)]
    mus, rhos, bs = [], [], []
    for fi, fo in dims:
        mus.append(glorot(shape(fi, fo), fi, fo, gen, dtype))
        rhos.append(torch.full(shape(fi, fo), softplus_inv(SIGMA_INIT), dtype=dtype,
                               requires_grad=True))
        bs.append(torch.zeros(shape(1, fo) if k else (fo,), dtype=dtype, requires_grad=True))
    logk = torch.full(shape(1, 1) if k else (), math.log(10.0), dtype=dtype, requires_grad=True)
    return mus, rhos, bs, logk


def vem_scales(mus, rhos, t_block):
    """Prior variances per weight (no gradient): ARD rows (29) on the first and last matrices,
    ARD-ADD (32) on the block, t_block warm-started (a list of one tensor, updated in place)."""
    with torch.no_grad():
        out = []
        for l, (mu, rho) in enumerate(zip(mus, rhos)):
            sig = torch.nn.functional.softplus(rho)
            M = (mu * mu + sig * sig).sum(-1, keepdim=True)   # row sums [(k,) rows, 1]
            J = mu.shape[-1]
            if l == 1:
                t = t_block[0]
                R = mu.shape[-2]
                for _ in range(3):
                    a = (M / t + 2 * IG_B) / (J + 2 * IG_A + 2)
                    t = ((M / a).sum(-2, keepdim=True) + 2 * IG_B) / (R * J + 2 * IG_A + 2)
                t_block[0] = t
                out.append((a * t).expand_as(mu))
            else:
                a = (M + 2 * IG_B) / (J + 2 * IG_A + 2)
                out.append(a.expand_as(mu))
        return out


def vem_objective(xb, yb, mus, rhos, bs, logk, v, n_data, stacked):
    """Minibatch ELBO (34): (1/B) sum_n (1/S) sum_s ll - (1/N) sum KL (25)."""
    nb = xb.shape[-2]
    h = xb.repeat_interleave(S, dim=-2)
    mm = torch.bmm if stacked else torch.matmul
    hs = []
    for l in range(3):
        sig = torch.nn.functional.softplus(rhos[l])
        mean = mm(h, mus[l]) + bs[l]
        var = mm(h * h, sig * sig)
        a = mean + torch.sqrt(var) * torch.randn(var.shape, dtype=var.dtype)
        if l == 0:
            h = torch.relu(a)
        elif l == 1:
            h = torch.relu(a) + h
        else:
            yhat = a.squeeze(-1)
    yhat = yhat.reshape(yhat.shape[:-1] + (nb, S))
    r = yb.unsqueeze(-1) - yhat
    ll = 0.5 * (logk - math.log(2 * math.pi)) - 0.5 * torch.exp(logk) * r * r
    kl = 0.0
    for l in range(3):
        sig = torch.nn.functional.softplus(rhos[l])
        kl = kl + 0.5 * ((mus[l] ** 2 + sig ** 2) / v[l] - 1 - torch.log(sig ** 2 / v[l])).sum()
    return ll.mean(-1).sum() / nb - kl / n_data


def time_config(name, n, d, stacked, quick, dtype):
    gen = torch.Generator().manual_seed(7)
    k = 20 if stacked else None
    shape = (lambda *s: (k,) + s) if stacked else (lambda *s: s)
    if stacked:
        xs, ys = zip(*(synthetic(n, d, gen, dtype) for _ in range(k)))
        X, Y = torch.stack(xs), torch.stack(ys)
    else:
        X, Y = synthetic(n, d, gen, dtype)
    is_vem = name == "D"
    if is_vem:
        mus, rhos, bs, logk = vem_params(d, k, gen, dtype)
        params = mus + rhos + bs + [logk]
        t_block = [torch.ones(shape(1, 1) if stacked else (1, 1), dtype=dtype)]
    else:
        params = mlp_params(d, k, shape, gen, dtype)
    opt = torch.optim.Adam(params, lr=LR, eps=1e-8)
    ar = torch.arange(k).unsqueeze(1) if stacked else None

    def epoch():
        if stacked:
            perm = torch.argsort(torch.rand(k, n), dim=1)
        else:
            perm = torch.randperm(n)
        for first in range(0, n, BATCH):
            if stacked:
                idx = perm[:, first:first + BATCH]
                xb, yb = X[ar, idx], Y[ar, idx]
            else:
                idx = perm[first:first + BATCH]
                xb, yb = X[idx], Y[idx]
            opt.zero_grad(set_to_none=True)
            if is_vem:
                v = vem_scales(mus, rhos, t_block)
                obj = vem_objective(xb, yb, mus, rhos, bs, logk, v, n, stacked)
            else:
                obj = step_objective(xb, yb, params, k)
            (-obj).backward()
            opt.step()

    steps = (n + BATCH - 1) // BATCH
    warm = max(1, 40 // steps)
    for _ in range(warm):
        epoch()
    budget = 1.0 if quick else 4.0
    times, start = [], time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < budget and len(times) < 200):
        t0 = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times) / (k or 1)
    return med, steps, len(times)


def mlp_params(d, k, shape, gen, dtype):
    stacked = k is not None
    w0 = glorot(shape(d, HIDDEN), d, HIDDEN, gen, dtype)
    b0 = torch.zeros(shape(1, HIDDEN) if stacked else (HIDDEN,), dtype=dtype, requires_grad=True)
    w1 = glorot(shape(HIDDEN, 1), HIDDEN, 1, gen, dtype)
    b1 = torch.zeros(shape(1, 1) if stacked else (1,), dtype=dtype, requires_grad=True)
    logk = torch.full(shape(1, 1) if stacked else (), math.log(10.0), dtype=dtype,
                      requires_grad=True)
    return [w0, b0, w1, b1, logk]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="ABCD")
    ap.add_argument("--double", action="store_true", help="float64 instead of float32")
    args = ap.parse_args()
    torch.set_num_threads(2)
    dtype = torch.float64 if args.double else torch.float32
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, {dtype}")
    for name, (n, d) in CONFIGS.items():
        if name not in args.only:
            continue
        for stacked in (False, True):
            mode = "stacked" if stacked else "split"
            med, steps, n_timed = time_config(name, n, d, stacked, args.quick, dtype)
            print(f"{name} {mode:8s} N={n:5d} D={d}  {med:.4e} s/epoch per split  "
                  f"{med / steps * 1e6:9.1f} us/step  ({n_timed} epochs timed)", flush=True)
            print(f"PEER config={name} mode={mode} s_per_epoch={med:.6e} "
                  f"us_per_step={med / steps * 1e6:.3f}", flush=True)


if __name__ == "__main__":
    main()
