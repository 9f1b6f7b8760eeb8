"""The PyTorch training peer of the `peers` bench suite (benchmark script only, never product code).

One LoRA optimizer step at a time on a Llama-shaped model with random f32 weights: r-rank LoRA on every linear
(q, k, v, o, gate, up, down), dropout on the LoRA input, causal-LM cross-entropy over every position, backward
into A/B only, gradient-norm clipping at 1.0, AdamW on A/B. The same step our `loraStepper` (bench/suites/train.ts)
runs, on one thread (torch.set_num_threads(1), OMP/OpenBLAS threads 1) unless `--threads` says more.

Driven over stdin/stdout so the Node suite can interleave it run by run with our own step:
  stdin  "info"  -> stdout one JSON line: torch version, threads, the BLAS library mapped into this process
  stdin  "step"  -> stdout one JSON line: {"ms": wall ms of one step, "loss": float}
Run with Debian's interpreter: /usr/bin/python3 bench/peers/torch_lora_step.py --hidden 256 ...
"""

import argparse
import json
import math
import os
import sys
import time

# Threads before torch loads: OpenMP and OpenBLAS size their pools when the library starts.
THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
os.environ["OMP_NUM_THREADS"] = str(THREADS)
os.environ["OPENBLAS_NUM_THREADS"] = str(THREADS)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(THREADS)


class LoraLinear(torch.nn.Module):
    """y = x·Wᵀ + (α/r)·dropout(x)·Aᵀ·Bᵀ with W frozen (PEFT's layout: A [r, in] Kaiming-uniform, B [out, r] zero)."""

    def __init__(self, inp: int, out: int, rank: int, alpha: float, dropout: float):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(out, inp).uniform_(-1 / math.sqrt(inp), 1 / math.sqrt(inp)),
                                         requires_grad=False)
        self.a = torch.nn.Parameter(torch.empty(rank, inp))
        torch.nn.init.kaiming_uniform_(self.a, a=math.sqrt(5))
        self.b = torch.nn.Parameter(torch.zeros(out, rank))
        self.scale = alpha / rank
        self.dropout = torch.nn.Dropout(dropout)

    def forward(self, x):
        return F.linear(x, self.weight) + self.scale * F.linear(F.linear(self.dropout(x), self.a), self.b)


def rms_norm(x, w, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, cos, sin):  # x [b, heads, seq, dh]; rotate-half as HF Llama
    h = x.shape[-1] // 2
    rot = torch.cat((-x[..., h:], x[..., :h]), dim=-1)
    return x * cos + rot * sin


class Layer(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        dh = a.hidden // a.heads
        lin = lambda i, o: LoraLinear(i, o, a.rank, a.alpha, a.dropout)  # noqa: E731
        self.q, self.k = lin(a.hidden, a.heads * dh), lin(a.hidden, a.kv_heads * dh)
        self.v, self.o = lin(a.hidden, a.kv_heads * dh), lin(a.heads * dh, a.hidden)
        self.gate, self.up = lin(a.hidden, a.intermediate), lin(a.hidden, a.intermediate)
        self.down = lin(a.intermediate, a.hidden)
        self.n1 = torch.nn.Parameter(torch.ones(a.hidden), requires_grad=False)
        self.n2 = torch.nn.Parameter(torch.ones(a.hidden), requires_grad=False)
        self.heads, self.kv_heads, self.dh = a.heads, a.kv_heads, dh

    def forward(self, x, cos, sin, mask):
        b, s, _ = x.shape
        h = rms_norm(x, self.n1)
        q = self.q(h).view(b, s, self.heads, self.dh).transpose(1, 2)  # [b, heads, s, dh]
        k = self.k(h).view(b, s, self.kv_heads, self.dh).transpose(1, 2)  # [b, kv, s, dh]
        v = self.v(h).view(b, s, self.kv_heads, self.dh).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        rep = self.heads // self.kv_heads
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)  # GQA
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.dh) + mask  # [b, heads, s, s]
        att = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, -1)
        x = x + self.o(att)
        h = rms_norm(x, self.n2)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embed = torch.nn.Parameter(torch.empty(a.vocab, a.hidden).uniform_(-0.05, 0.05), requires_grad=False)
        self.layers = torch.nn.ModuleList(Layer(a) for _ in range(a.layers))
        self.norm = torch.nn.Parameter(torch.ones(a.hidden), requires_grad=False)
        dh = a.hidden // a.heads
        inv = 1.0 / (a.rope_theta ** (torch.arange(0, dh, 2).float() / dh))
        ang = torch.outer(torch.arange(a.seq).float(), inv)
        self.cos, self.sin = torch.cat((ang, ang), -1).cos(), torch.cat((ang, ang), -1).sin()  # [seq, dh]
        self.mask = torch.full((a.seq, a.seq), float("-inf")).triu(1)

    def forward(self, ids):
        x = self.embed[ids]  # [b, s, hidden]
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        return F.linear(rms_norm(x, self.norm), self.embed)  # tied head: [b, s, vocab]


def blas_library() -> str:
    """The BLAS shared objects mapped into this process (what libblas.so.3 resolved to)."""
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    return ", ".join(sorted(os.path.realpath(p) for p in libs)) or "none mapped"


def main():
    p = argparse.ArgumentParser()
    for name in ("hidden", "layers", "heads", "kv-heads", "intermediate", "vocab", "seq", "batch"):
        p.add_argument(f"--{name}", type=int, required=True)
    p.add_argument("--rank", type=int, default=16)
    p.add_argument("--alpha", type=float, default=32)
    p.add_argument("--dropout", type=float, default=0.05)
    p.add_argument("--rope-theta", type=float, default=10000)
    p.add_argument("--threads", type=int, default=1)  # read above, before torch loaded
    a = p.parse_args()
    torch.manual_seed(1)
    model = Model(a)
    params = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.AdamW(params, lr=2e-4, weight_decay=0.0)
    ids = torch.randint(0, a.vocab, (a.batch, a.seq + 1))
    x, y = ids[:, :-1], ids[:, 1:]
    model.train()
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "info":
            out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_library(),
                   "loraParams": sum(q.numel() for q in params)}
        elif cmd == "step":
            t0 = time.perf_counter()
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, a.vocab), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            out = {"ms": (time.perf_counter() - t0) * 1000, "loss": loss.item()}
        else:
            out = {"error": f"unknown command {cmd!r}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
