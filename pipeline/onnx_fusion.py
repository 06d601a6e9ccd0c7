"""Faster PP-OCR models: the same arithmetic in fewer passes over the feature maps.

PP-OCRv4's detector and recogniser (PP-LCNetV3 backbones, exported by paddle2onnx) follow almost
every convolution with a learnable scale and shift (``Mul`` and ``Add`` by a scalar), and write each
hard-swish as four operators (``Add 3``, ``Clip 0..6``, ``Mul``, ``Div 6``). onnxruntime runs each
of them as its own pass over a large feature map (1600 x 1216 pixels for the detector), converting
to and from its blocked layout around every convolution. ``fuse_scalar_ops`` rewrites the graph,
once at load, into the same function with fewer operators:

- a scale and shift right after a convolution go into its weights and bias;
- a scale and shift right before a convolution without padding (1 x 1, pointwise) go into its
  weights and bias (with padding they may not: the padded zeros are not scaled or shifted);
- a hard-swish becomes ``x * HardSigmoid(x)`` (alpha 1/6, beta 1/2: the same function).

Outputs equal the original's to about 1e-5 (float rounding); the detector runs about a fifth
faster, the recogniser and the angle classifier about a quarter (``tests/test_onnx_fusion.py`` compares
them on a real photo). The model file itself is not changed: it is verified by its SHA-256 as
fetched, and rewritten in memory.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np


def fuse_scalar_ops(model) -> dict[str, int]:
    """Rewrite ``model`` (an ``onnx.ModelProto``) in place as above; how many of each rewrite were made."""
    from onnx import helper, numpy_helper

    graph = model.graph
    values = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    nodes = []
    for node in graph.node:  # constants become initializers, which the rewrites read and write
        if node.op_type == "Constant" and [a.name for a in node.attribute] == ["value"]:
            values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        else:
            nodes.append(node)
    outputs = {o.name for o in graph.output}
    dropped: set[int] = set()
    counts: dict[str, int] = defaultdict(int)

    def consumers() -> dict[str, list]:
        found = defaultdict(list)
        for node in nodes:
            if id(node) not in dropped:
                for name in node.input:
                    found[name].append(node)
        return found

    def only(using: dict, name: str, op: str):
        """The one node reading ``name``, when it is an ``op`` and ``name`` is no graph output."""
        readers = using.get(name, [])
        return readers[0] if len(readers) == 1 and readers[0].op_type == op and name not in outputs else None

    def scalar(node, x: str) -> float | None:
        """The constant scalar ``node`` combines with ``x``, if that is what its other input is."""
        if node is None:
            return None
        rest = [name for name in node.input if name != x]
        if len(rest) != 1 or rest[0] not in values or values[rest[0]].size != 1:
            return None
        return float(values[rest[0]].reshape(-1)[0])

    def weights(conv) -> tuple[np.ndarray, np.ndarray] | None:
        if len(conv.input) < 2 or conv.input[1] not in values:
            return None
        w = values[conv.input[1]]
        has_bias = len(conv.input) > 2 and conv.input[2]
        if has_bias and conv.input[2] not in values:
            return None
        return w, values[conv.input[2]] if has_bias else np.zeros(w.shape[0], w.dtype)

    def set_weights(conv, x: str, w: np.ndarray, b: np.ndarray, tag: str) -> None:
        wn, bn = f"{conv.output[0]}__{tag}_w", f"{conv.output[0]}__{tag}_b"
        values[wn], values[bn] = w.astype(np.float32), b.astype(np.float32)
        del conv.input[:]
        conv.input.extend([x, wn, bn])

    # a scale (and shift) after a convolution: y = s * conv(x) + t
    using = consumers()
    for conv in nodes:
        if conv.op_type != "Conv" or (wb := weights(conv)) is None:
            continue
        mul = only(using, conv.output[0], "Mul")
        s = scalar(mul, conv.output[0]) if mul is not None else None
        if s is None:
            continue
        end, t = mul, 0.0
        add = only(using, mul.output[0], "Add")
        if add is not None and scalar(add, mul.output[0]) is not None:
            end, t = add, scalar(add, mul.output[0])
        w, b = wb
        set_weights(conv, conv.input[0], w * np.float32(s), b * np.float32(s) + np.float32(t), "after")
        conv.output[0] = end.output[0]
        dropped.update({id(mul), id(end)})
        counts["scale after a convolution"] += 1

    # hard-swish: x * clip(x + 3, 0, 6) / 6 = x * HardSigmoid(x) with alpha 1/6, beta 1/2
    using = consumers()
    gates: dict[int, object] = {}
    for add in nodes:
        if add.op_type != "Add" or id(add) in dropped:
            continue
        x = next((name for name in add.input if scalar(add, name) == 3.0), None)
        clip = only(using, add.output[0], "Clip") if x is not None else None
        if clip is None or len(clip.input) != 3 or any(name not in values for name in clip.input[1:]) \
                or float(values[clip.input[1]]) != 0.0 or float(values[clip.input[2]]) != 6.0:
            continue
        mul = only(using, clip.output[0], "Mul")
        if mul is None or sorted(mul.input) != sorted([x, clip.output[0]]):
            continue
        div = only(using, mul.output[0], "Div")
        if div is None or div.input[0] != mul.output[0] or scalar(div, mul.output[0]) != 6.0:
            continue
        gate = f"{add.output[0]}__hardsigmoid"
        gates[id(mul)] = helper.make_node("HardSigmoid", [x], [gate], alpha=1.0 / 6.0, beta=0.5)
        del mul.input[:]
        mul.input.extend([x, gate])
        mul.output[0] = div.output[0]
        dropped.update({id(add), id(clip), id(div)})
        counts["hard-swish"] += 1

    # a scale and shift before a convolution without padding: conv(s * x + t)
    using = consumers()
    for mul in nodes:
        if mul.op_type != "Mul" or id(mul) in dropped:
            continue
        x = next((name for name in mul.input if scalar(mul, name) is not None), None)
        add = only(using, mul.output[0], "Add") if x is not None else None
        t = scalar(add, mul.output[0]) if add is not None else None
        conv = only(using, add.output[0], "Conv") if t is not None else None
        if conv is None or conv.input[0] != add.output[0] or (wb := weights(conv)) is None:
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
        if any(attrs.get("pads", [])) or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", b"VALID"):
            continue
        s = scalar(mul, x)
        w, b = wb
        set_weights(conv, x, w * np.float32(s), b + np.float32(t) * w.sum(axis=tuple(range(1, w.ndim))), "before")
        dropped.update({id(mul), id(add)})
        counts["scale before a pointwise convolution"] += 1

    kept = []
    for node in nodes:
        if id(node) in dropped:
            continue
        if id(node) in gates:
            kept.append(gates[id(node)])
        kept.append(node)
    used = {name for node in kept for name in node.input}
    del graph.node[:]
    graph.node.extend(kept)
    del graph.initializer[:]
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in values.items() if k in used)
    return dict(counts)
