"""Receptive fields by brute force in torch: perturb one input pixel at a time, on fixed and on
random networks, and check what changed against the reported fields (`check_against`, in
tests/test_receptive.py, which also runs that check with shapecalc's own forward pass). Without
torch these are skipped with the reason."""

from __future__ import annotations

import itertools
import random

import pytest

from shapecalc.analysis.check import check_text

from ..test_receptive import check_against, runnable


def random_layer(rng: random.Random, nd: int) -> str:
    def dims(make):
        values = [make() for _ in range(nd)]
        return values[0] if nd == 1 or rng.random() < 0.6 else values

    kind = rng.choice(["conv", "conv", "conv", "maxpool", "avgpool", "tconv", "up", "relu"])
    if kind == "conv":
        k, d, s = rng.choice([1, 2, 3, 5]), rng.choice([1, 1, 2]), dims(lambda: rng.choice([1, 1, 2, 3]))
        pad = rng.choice(["same", "keras_same", None, None])
        if pad == "same" and s != 1:
            pad = None
        if pad is None:
            pad = rng.randint(0, d * (k - 1) // 2 + 1)
        return f"conv{nd}d: {{out_channels: 2, kernel_size: {k}, stride: {s}, dilation: {d}, padding: {pad}}}"
    if kind in ("maxpool", "avgpool"):
        k = rng.choice([2, 3])
        return (f"{kind}{nd}d: {{kernel_size: {k}, stride: {rng.choice([1, 2, 3])}, padding: {rng.randint(0, k // 2)}, "
                f"ceil_mode: {rng.choice(['true', 'false'])}}}")
    if kind == "tconv":
        k, d = rng.choice([1, 2, 3, 4]), rng.choice([1, 1, 2])
        return (f"convtranspose{nd}d: {{out_channels: 2, kernel_size: {k}, stride: {rng.choice([1, 2, 3])}, "
                f"padding: {rng.randint(0, d * (k - 1))}, dilation: {d}}}")
    if kind == "up":
        mode = rng.choice(["nearest", "nearest-exact", "linear" if nd == 1 else "bilinear"])
        corners = rng.choice(["true", "null"]) if "linear" in mode else "null"
        return f"upsample: {{scale_factor: {rng.choice([2, 3, 1.5])}, mode: {mode}, align_corners: {corners}}}"
    return "relu"


def random_network(seed: int, nd: int, n: int) -> str:
    """A few random layers, then a three-way merge (possibly misaligned), then a few more."""
    rng = random.Random(seed)
    lines = [random_layer(rng, nd) for _ in range(rng.randint(2, 5))]
    k1, k2, d2 = rng.choice([1, 2, 3, 4, 5]), rng.choice([1, 2, 3]), rng.choice([1, 2])
    lines += ["{type: identity, name: a}",
              f"conv{nd}d: {{name: b1, inputs: a, out_channels: 2, kernel_size: {k1}, padding: same}}",
              f"conv{nd}d: {{name: b2, inputs: a, out_channels: 2, kernel_size: {k2}, dilation: {d2}, padding: same}}",
              f"{rng.choice(['add', 'concat'])}: {{inputs: [b1, b2, a]}}"]
    lines += [random_layer(rng, nd) for _ in range(rng.randint(0, 2))]
    return f"input: {[2] + [n] * nd}\nlayers:\n" + "".join(f"  - {line}\n" for line in lines)


FIXED = {
    "unet-like": """input: [1, 44, 44]
layers:
  - conv2d: {name: enc, out_channels: 2, kernel_size: 3}
  - maxpool2d: {kernel_size: 2}
  - conv2d: {out_channels: 2, kernel_size: 3}
  - convtranspose2d: {name: up, out_channels: 2, kernel_size: 2, stride: 2}
  - centercrop: {name: crop, inputs: [enc, up]}
  - concat: {inputs: [crop, up]}
  - conv2d: {out_channels: 2, kernel_size: 3}
""",
    "dcgan-like": """input: [2, 6, 6]
layers:
  - convtranspose2d: {out_channels: 2, kernel_size: 4, stride: 2, padding: 1}
  - convtranspose2d: {out_channels: 2, kernel_size: 4, stride: 2, padding: 1}
  - conv2d: {out_channels: 2, kernel_size: 3, stride: 3}
""",
    "shuffles-pads-adaptive": """input: [4, 14, 13]
layers:
  - zeropad2d: {padding: [2, -1, 1, 0]}
  - conv2d: {out_channels: 4, kernel_size: [3, 2], stride: [1, 2], padding: [1, 0]}
  - pixelshuffle: {upscale_factor: 2}
  - pixelunshuffle: {downscale_factor: 2}
  - adaptivemaxpool2d: {output_size: [5, 4]}
  - upsample: {size: [11, 9], mode: bicubic}
  - avgpool2d: {kernel_size: 2, stride: 1}
""",
    "lppool-subsampling-keras": """input: [1, 17, 17]
layers:
  - lppool2d: {norm_type: 2, kernel_size: 2, stride: 1}
  - conv2d: {out_channels: 1, kernel_size: 4, stride: 3, padding: keras_same}
  - upsample: {scale_factor: 2, mode: nearest}
  - subsampling: {kernel_size: 2}
""",
}


@pytest.fixture(scope="module")
def torch_runner():
    torch = pytest.importorskip("torch", reason="the brute force runs the network in torch (pip install -e '.[oracle]')")
    from .torch_bridge import center_crop, module_for

    def run(analysis):
        """Per layer: output position -> the first and last input pixel per dimension whose
        perturbation (+1e4 in every channel, positive weights, so max pooling passes it on)
        changes any channel of it (None: none does)."""
        shape = analysis.spec.input_shape
        positions = list(itertools.product(*(range(n) for n in shape[1:])))
        coords = torch.tensor(positions).T  # (dims, positions)
        far = len(positions) * 10
        gen = torch.Generator().manual_seed(0)
        base = torch.rand((1, *shape), generator=gen, dtype=torch.float64) * 0.5 + 0.5
        batch = base.repeat(len(positions) + 1, *([1] * len(shape)))
        for b, pos in enumerate(positions, 1):
            batch[(b, slice(None), *pos)] += 1e4
        values, out = {"input": batch}, []
        with torch.no_grad():
            for r in analysis.layers:
                xs = [values[n] for n in r.spec.inputs]
                if r.spec.type == "add":
                    y = sum(xs[1:], xs[0])
                elif r.spec.type == "concat":
                    y = torch.cat(xs, dim=r.spec.args["dim"])
                elif r.spec.type == "centercrop":
                    y = center_crop(xs[0], xs[1].shape[2:] if len(xs) == 2 else r.spec.args["size"])
                else:
                    m = module_for(r.spec, tuple(xs[0].shape[1:])).double()
                    for p in m.parameters():
                        p.copy_(torch.rand(p.shape, generator=gen, dtype=torch.float64) * 0.5 + 0.5)
                    y = m.eval()(xs[0])
                values[r.spec.name] = y
                if y.dim() != len(shape) + 1:
                    out.append(None)
                    continue
                changed = (y[1:] - y[:1]).abs().amax(dim=1) > 1e-6 * (1 + y[:1].abs().amax(dim=1))
                flat = changed.reshape(len(positions), -1)  # (input position, output position)
                firsts = [torch.where(flat, c[:, None], far).amin(0).tolist() for c in coords]
                lasts = [torch.where(flat, c[:, None], -far).amax(0).tolist() for c in coords]
                any_ = flat.any(0).tolist()
                deps = {}
                for j, o in enumerate(itertools.product(*(range(n) for n in y.shape[2:]))):
                    deps[o] = ([f[j] for f in firsts], [l[j] for l in lasts]) if any_[j] else None
                out.append(deps)
        return out

    return run


@pytest.mark.parametrize("name", FIXED)
def test_brute_force_fixed_networks(name, torch_runner):
    a = check_text(FIXED[name])
    assert runnable(a), a.diagnostics
    assert check_against(a, torch_runner(a)) == []


@pytest.mark.parametrize(("nd", "n", "limit", "seeds"), [(1, 28, 300, range(400)), (2, 10, 40, range(1000, 1100))])
def test_brute_force_random_networks(nd, n, limit, seeds, torch_runner):
    checked = 0
    for seed in seeds:
        a = check_text(random_network(seed, nd, n))
        if not runnable(a, limit):
            continue
        problems = check_against(a, torch_runner(a))
        assert problems == [], (random_network(seed, nd, n), problems[:5])
        checked += 1
    assert checked >= 0.6 * len(seeds)
