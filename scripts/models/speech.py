"""Speech helpers shared by prepare_models.py and check_models.py: WAV I/O, Silero VAD, Moonshine.

The Rust code follows the same loops; scripts/MODELS.md documents them.
"""

from __future__ import annotations

import math
import wave

import numpy as np

SAMPLE_RATE = 16000

# --------------------------------------------------------------------------------------------------
# WAV
# --------------------------------------------------------------------------------------------------


def read_wav_16k_mono(path: str) -> np.ndarray:
    """16-bit PCM mono 16 kHz WAV -> float32 in [-1, 1]."""
    with wave.open(path, "rb") as w:
        if w.getframerate() != SAMPLE_RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{path}: need 16 kHz mono 16-bit, got {w.getframerate()} Hz, "
                             f"{w.getnchannels()} ch, {8 * w.getsampwidth()} bit")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return (pcm.astype(np.float32) / 32768.0).copy()


# --------------------------------------------------------------------------------------------------
# Silero VAD (v6, 16 kHz)
# --------------------------------------------------------------------------------------------------

VAD_CHUNK = 512      # new samples per call at 16 kHz (32 ms)
VAD_CONTEXT = 64     # samples carried over from the previous chunk, prepended


def silero_probs(session, audio: np.ndarray) -> np.ndarray:
    """Speech probability per 512-sample chunk. Each call's `input` is [1, 576]: the last 64 samples of
    the previous chunk (zeros at the start) followed by the 512 new ones; `state` [2,1,128] starts at zero
    and is replaced by `stateN` after every call; `sr` is a scalar int64 16000."""
    state = np.zeros((2, 1, 128), dtype=np.float32)
    context = np.zeros(VAD_CONTEXT, dtype=np.float32)
    sr = np.array(SAMPLE_RATE, dtype=np.int64)
    out = []
    n = len(audio) // VAD_CHUNK
    for i in range(n):
        chunk = audio[i * VAD_CHUNK:(i + 1) * VAD_CHUNK].astype(np.float32)
        x = np.concatenate([context, chunk])[None, :]
        prob, state = session.run(["output", "stateN"], {"input": x, "state": state, "sr": sr})
        out.append(float(prob.reshape(-1)[0]))
        context = chunk[-VAD_CONTEXT:]
    return np.asarray(out)


# --------------------------------------------------------------------------------------------------
# Moonshine base-en
# --------------------------------------------------------------------------------------------------

BOS, EOS = 1, 2
N_LAYERS, N_HEADS, HEAD_DIM = 8, 8, 52


def load_tokenizer(path: str) -> list[bytes]:
    """tokenizer.bin: consecutive records [u8 length][bytes]; record index = token id."""
    data = open(path, "rb").read()
    toks, i = [], 0
    while i < len(data):
        n = data[i]
        toks.append(data[i + 1:i + 1 + n])
        i += 1 + n
    return toks


def detokenize(tokens: list[bytes], ids) -> str:
    buf = b"".join(tokens[t] for t in ids if 2 < t < len(tokens))
    text = buf.replace("\u2581".encode(), b" ").decode("utf-8", errors="replace")
    return text[1:] if text.startswith(" ") else text


def transcribe(encoder, decoder, audio: np.ndarray, tokens: list[bytes]):
    """Greedy decoding (see MODELS.md). Returns (text, token ids, decoder steps)."""
    hidden = encoder.run(["last_hidden_state"], {"input_values": audio[None, :].astype(np.float32)})[0]
    max_tokens = math.ceil(len(audio) / SAMPLE_RATE * 6.5) + 5
    empty = np.zeros((1, N_HEADS, 0, HEAD_DIM), dtype=np.float32)
    cache = {f"past_key_values.{l}.{kind}.{kv}": empty
             for l in range(N_LAYERS) for kind in ("decoder", "encoder") for kv in ("key", "value")}
    out_names = [o.name for o in decoder.get_outputs()]
    token, ids = BOS, []
    for step in range(max_tokens):
        feeds = {
            "input_ids": np.array([[token]], dtype=np.int64),
            "encoder_hidden_states": hidden,
            "use_cache_branch": np.array([step > 0], dtype=bool),
            **cache,
        }
        outs = dict(zip(out_names, decoder.run(out_names, feeds)))
        token = int(np.argmax(outs["logits"][0, -1]))
        for name, value in outs.items():
            if not name.startswith("present."):
                continue
            past = "past_key_values." + name[len("present."):]
            # decoder self-attention cache: every step; cross-attention cache: only from step 0
            if ".decoder." in name or step == 0:
                cache[past] = value
        if token == EOS:
            break
        ids.append(token)
    return detokenize(tokens, ids), ids, step + 1
