"""Moonshine's int8 models rearranged so a run holds one layer's float weights at a time, not all of them.

Why: moonshine-cpp's `.ort` models store every weight as int8 plus a float scale and zero point, and
dequantize it inside the graph (`Cast` -> `Mul` scale -> `Add` zero point). cabin runs them without graph
optimisation (`cabin_onnx::MemoryProfile::Lean`: constant folding would keep all weights as resident float
copies, 4x their size). Then ONNX Runtime dequantizes during every run — but in an order that keeps almost
every float weight alive at once (heaptrack, docs/perf/resources.md, 2026-12-06):

- decoder: the 81 dequantizations sit in the main graph and feed the `If` (`use_cache_branch`), so all of
  them (165 MB of float, 4 bytes x 41.3 M weights) are computed before the `If` and live until it ends;
  the token embedding (32768 x 416, 54 MB as float) is dequantized whole for a one-row `Gather` and again
  for the transposed LM head;
- encoder: ONNX Runtime's default order (a reverse depth-first walk from the outputs that enters a node's
  highest-index input first: `Graph::ReverseDFSFrom` with `NodeCompare`) computes a weight placed after its
  activation in the node list before that activation's whole cone — every weight ahead of the network.

The rewrite, which does not change a single output bit (the same elementwise ops on the same values;
`check_identical` asserts it on random inputs with onnxruntime, at setup):

1. each use of a dequantized weight inside an `If` branch gets its own Cast/Mul/Add in that branch;
2. a `Gather` or `Transpose` of a dequantized table runs on the int8 table, then dequantizes its result
   (dequantization is elementwise with one scale and zero point, so it commutes with both bit for bit);
3. the LM head (logits = h @ dequant(transpose(embedding))) runs in column chunks of `LM_HEAD_CHUNK` rows
   of the table, concatenated: one chunk of float weights at a time (a column of the product is the same
   dot product in either form);
4. every dequantization chain is moved to the front of its graph's node list, so the default order runs
   each right before its consumer and frees it after.

Measured with onnxruntime 1.31.1, 1 thread, Lean settings: decoder run peak above the loaded session
221 MB -> 28 MB (6 greedy steps, 60 encoder frames); encoder 78 MB -> 28 MB (5 s of audio).
"""

from __future__ import annotations

import sys
from pathlib import Path

# 8 chunks of the 32768-token table: 6.8 MB of float weights each instead of 54 MB.
LM_HEAD_CHUNK = 4096


def _dequant_chains(graph, initializers: set[str]) -> dict:
    """Add output -> (Cast, Mul, Add) for every `Cast(int8 initializer) -> Mul -> Add` chain."""
    by_out = {o: n for n in graph.node for o in n.output}
    chains = {}
    for add in graph.node:
        if add.op_type != "Add" or add.input[0] not in by_out:
            continue
        mul = by_out[add.input[0]]
        if mul.op_type != "Mul" or mul.input[0] not in by_out:
            continue
        cast = by_out[mul.input[0]]
        if cast.op_type == "Cast" and cast.input[0] in initializers:
            chains[add.output[0]] = (cast, mul, add)
    return chains


def _dequant(helper, source: str, chain, tag: str, out: str | None = None) -> list:
    cast, mul, add = chain
    return [
        helper.make_node("Cast", [source], [f"{tag}_cast"], name=f"{tag}_Cast", to=cast.attribute[0].i),
        helper.make_node("Mul", [f"{tag}_cast", mul.input[1]], [f"{tag}_mul"], name=f"{tag}_Mul"),
        helper.make_node("Add", [f"{tag}_mul", add.input[1]], [out or f"{tag}_dq"], name=f"{tag}_Add"),
    ]


def _chunk_lm_head(onnx, helper, numpy_helper, np, branch, branch_name: str, table_rows: dict) -> int:
    """Step 3 in one If branch; returns the number of chunks (0 when there is no such LM head)."""
    nodes = list(branch.node)
    out_of = {o: n for n in nodes for o in n.output}
    for mm in nodes:
        if mm.op_type != "MatMul" or mm.input[1] not in out_of:
            continue
        add = out_of[mm.input[1]]
        mul = out_of.get(add.input[0]) if add.op_type == "Add" else None
        cast = out_of.get(mul.input[0]) if mul is not None and mul.op_type == "Mul" else None
        tr = out_of.get(cast.input[0]) if cast is not None and cast.op_type == "Cast" else None
        if tr is None or tr.op_type != "Transpose" or tr.input[0] not in table_rows:
            continue
        q, rows = tr.input[0], table_rows[tr.input[0]]
        if rows % LM_HEAD_CHUNK:
            raise SystemExit(f"moonshine LM head: {rows} rows are not a multiple of {LM_HEAD_CHUNK}")
        tag = f"{branch_name}_lm_head"
        axes = numpy_helper.from_array(np.array([0], np.int64), f"{tag}_axes")
        branch.initializer.append(axes)
        front, matmuls, parts = [], [], []
        for k in range(rows // LM_HEAD_CHUNK):
            t = f"{tag}_{k}"
            start = numpy_helper.from_array(np.array([k * LM_HEAD_CHUNK], np.int64), f"{t}_start")
            end = numpy_helper.from_array(np.array([(k + 1) * LM_HEAD_CHUNK], np.int64), f"{t}_end")
            branch.initializer.extend([start, end])
            front += [helper.make_node("Slice", [q, start.name, end.name, axes.name], [f"{t}_q"], name=f"{t}_Slice"),
                      helper.make_node("Transpose", [f"{t}_q"], [f"{t}_qt"], name=f"{t}_Transpose")]
            front += _dequant(helper, f"{t}_qt", (cast, mul, add), t, f"{t}_w")
            matmuls.append(helper.make_node("MatMul", [mm.input[0], f"{t}_w"], [f"{t}_logits"], name=f"{t}_MatMul"))
            parts.append(f"{t}_logits")
        concat = helper.make_node("Concat", parts, [mm.output[0]], name=f"{tag}_Concat", axis=-1)
        dropped = {id(n) for n in (tr, cast, mul, add, mm)}
        rebuilt = list(front)
        for n in nodes:
            if n is mm:
                rebuilt += matmuls + [concat]
            elif id(n) not in dropped:
                rebuilt.append(n)
        del branch.node[:]
        branch.node.extend(rebuilt)
        return rows // LM_HEAD_CHUNK
    return 0


def rearrange_decoder(model) -> str:
    """Steps 1-4 on the merged decoder (main graph: the dequantizations and one If)."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    g = model.graph
    inits = {i.name: i for i in g.initializer}
    chains = _dequant_chains(g, set(inits))
    moved = {id(n) for chain in chains.values() for n in chain}
    kept = [n for n in g.node if id(n) not in moved]
    ifs = [n for n in kept if n.op_type == "If"]
    if len(ifs) != 1 or len(kept) != 1:
        raise SystemExit(f"moonshine decoder: expected dequantizations + one If, found {[n.op_type for n in kept]}")
    table_rows = {}
    uses = 0
    lm_chunks = []
    for attr in ifs[0].attribute:
        branch = attr.g
        front, rest = [], []
        for i, node in enumerate(branch.node):
            commuted = False
            for j, name in enumerate(node.input):
                if name not in chains:
                    continue
                uses += 1
                q = chains[name][0].input[0]
                tag = f"{attr.name}_{i}_{j}_" + q.replace(":", "_")
                if j == 0 and node.op_type in ("Gather", "Transpose"):
                    # Step 2: the op on the int8 table, then its (smaller or same) result dequantized.
                    op = helper.make_node(node.op_type, [q, *node.input[1:]], [f"{tag}_q"], name=f"{tag}_{node.op_type}")
                    op.attribute.extend(node.attribute)
                    front += [op, *_dequant(helper, f"{tag}_q", chains[name], tag, node.output[0])]
                    table_rows[q] = inits[q].dims[0]
                    commuted = True
                    break
                front += _dequant(helper, q, chains[name], tag)
                node.input[j] = f"{tag}_dq"
            if not commuted:
                rest.append(node)
        del branch.node[:]
        branch.node.extend(front + rest)  # step 4
        lm_chunks.append(_chunk_lm_head(onnx, helper, numpy_helper, np, branch, attr.name, table_rows))
    del g.node[:]
    g.node.extend(kept)
    return f"{len(chains)} dequantized weights moved into the If branches ({uses} uses), LM head in {lm_chunks} chunks"


def rearrange_encoder(model) -> str:
    """Step 4 on the encoder (no If; each dequantized weight has one use)."""
    g = model.graph
    chains = _dequant_chains(g, {i.name for i in g.initializer})
    moved = {id(n) for chain in chains.values() for n in chain}
    front = [n for n in g.node if id(n) in moved]
    rest = [n for n in g.node if id(n) not in moved]
    del g.node[:]
    g.node.extend(front + rest)
    return f"{len(chains)} dequantizations moved ahead of the activations"


def _session(path: Path):
    import onnxruntime as ort

    so = ort.SessionOptions()  # cabin's Lean settings (onnx/src/session.rs)
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.enable_cpu_mem_arena = False
    so.enable_mem_pattern = False
    so.add_session_config_entry("session.disable_prepacking", "1")
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def check_identical(original: Path, rearranged: Path) -> str:
    """Every output of both models, byte for byte, on random inputs (decoder: 3 x 8 greedy steps with the
    KV cache, as the Rust side runs it; encoder: two lengths of audio)."""
    import numpy as np

    a, b = _session(original), _session(rearranged)
    names = [i.name for i in a.get_inputs()]
    outs = [o.name for o in a.get_outputs()]
    rng = np.random.default_rng(20261206)
    runs = 0

    def same(feeds):
        nonlocal runs
        oa, ob = a.run(outs, feeds), b.run(outs, feeds)
        runs += 1
        for name, x, y in zip(outs, oa, ob):
            if x.tobytes() != y.tobytes():
                raise SystemExit(f"{rearranged.name}: output {name} differs from the original")
        return dict(zip(outs, oa))

    if "input_values" in names:
        for seconds in (1.3, 4.7):
            same({"input_values": (rng.standard_normal((1, int(16000 * seconds))) * 0.1).astype(np.float32)})
    else:
        past = [n for n in names if n.startswith("past_key_values.")]
        for frames in (20, 45, 70):
            hidden = rng.standard_normal((1, frames, 416)).astype(np.float32)
            cache = {n: np.zeros((1, 8, 0, 52), np.float32) for n in past}
            token = 1
            for step in range(8):
                o = same({"input_ids": np.array([[token]], np.int64), "encoder_hidden_states": hidden,
                          "use_cache_branch": np.array([step > 0]), **cache})
                token = int(np.argmax(o["logits"][0, -1]))
                for n in past:
                    if ".decoder." in n or step == 0:
                        cache[n] = o[n.replace("past_key_values.", "present.")]
    return f"{runs} runs byte-identical to the original"


def rearrange(path: Path, kind: str) -> str:
    """Rewrites `path` in place (`kind`: "encoder" or "decoder") after checking the result is identical."""
    import onnx

    model = onnx.load(str(path))
    what = rearrange_decoder(model) if kind == "decoder" else rearrange_encoder(model)
    tmp = path.with_name(path.stem + ".rearranged.onnx")
    onnx.save(model, str(tmp))
    try:
        checked = check_identical(path, tmp)
    except BaseException:
        tmp.unlink()
        raise
    tmp.replace(path)
    return f"{what}; {checked}"


if __name__ == "__main__":
    # python3 scripts/models/moonshine_memory.py encoder|decoder MODEL.onnx  (rewrites MODEL.onnx in place)
    print(rearrange(Path(sys.argv[2]), sys.argv[1]))
