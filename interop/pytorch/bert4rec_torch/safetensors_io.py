"""safetensors read/write with this project's checksum, without the safetensors package.

Layout (https://github.com/huggingface/safetensors): u64 little-endian N | N bytes of JSON
header, space-padded so 8 + N is a multiple of 8 | byte buffer. The writer lays tensors out
as runtime/io/safetensors.ts and the reference implementation do (descending dtype, then
name), so a state dict written here is byte-identical to one our TypeScript runtime writes.

Checksum (runtime/io/checkpoint.ts, metadata key "checksum_sha256"):
  "sha256:" + hex sha256( JSON([index, meta]) + "\n" + hex sha256(byte buffer) )
with index = [[name, dtype, shape, begin, end], ...] sorted by name and meta = [[key, value],
...] sorted by key without the checksum itself; JSON as JavaScript's JSON.stringify writes it.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
from typing import Dict, Mapping, Optional, Tuple

import torch

CHECKSUM_KEY = "checksum_sha256"
METADATA_KEY = "__metadata__"

# dtype name -> (torch dtype, bytes per element)
DTYPES: Dict[str, Tuple[torch.dtype, int]] = {
    "BOOL": (torch.bool, 1),
    "U8": (torch.uint8, 1),
    "I8": (torch.int8, 1),
    "I16": (torch.int16, 2),
    "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2),
    "I32": (torch.int32, 4),
    "U32": (torch.uint32, 4),
    "F32": (torch.float32, 4),
    "F64": (torch.float64, 8),
    "I64": (torch.int64, 8),
}
# The reference implementation's dtype enum order; files list tensors by descending rank.
_DTYPE_RANK = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
_TORCH_TO_NAME = {t: name for name, (t, _) in DTYPES.items()}


class SafetensorsError(ValueError):
    """A malformed, corrupted or unsupported safetensors file (the message names the file)."""


def _js_json(value) -> str:
    # JSON.stringify: no spaces, non-ASCII kept as is.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _checksum(entries, metadata: Mapping[str, str], buffer: bytes) -> str:
    index = [[e["name"], e["dtype"], e["shape"], e["begin"], e["end"]] for e in sorted(entries, key=lambda e: e["name"])]
    meta = [[k, metadata[k]] for k in sorted(metadata) if k != CHECKSUM_KEY]
    text = _js_json([index, meta]) + "\n" + hashlib.sha256(buffer).hexdigest()
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_safetensors(path: str, checksum: str = "if-present") -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """Tensors (CPU, copied) and metadata of a file. checksum: 'require' | 'if-present' | 'skip'."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise SafetensorsError(f"{path}: {len(data)} bytes, too short for the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise SafetensorsError(f"{path}: header length {n} exceeds the {len(data) - 8} bytes after it (truncated file?)")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{path}: header is not valid UTF-8 JSON ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: header must be a JSON object")
    metadata = header.pop(METADATA_KEY, {}) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise SafetensorsError(f"{path}: '{METADATA_KEY}' must be an object of strings")
    buffer = data[8 + n :]
    entries = []
    for name, info in header.items():
        dtype = info.get("dtype") if isinstance(info, dict) else None
        if dtype not in DTYPES:
            raise SafetensorsError(f"{path}: tensor '{name}': unsupported dtype {dtype!r} (supported: {', '.join(DTYPES)})")
        shape = info.get("shape")
        begin, end = info.get("data_offsets", [None, None])
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise SafetensorsError(f"{path}: tensor '{name}': bad shape {shape!r}")
        count = 1
        for d in shape:
            count *= d
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= len(buffer)):
            raise SafetensorsError(f"{path}: tensor '{name}': data_offsets {info.get('data_offsets')!r} outside the {len(buffer)}-byte buffer")
        if end - begin != count * DTYPES[dtype][1]:
            raise SafetensorsError(f"{path}: tensor '{name}': {end - begin} bytes for shape {shape} x {dtype}")
        entries.append({"name": name, "dtype": dtype, "shape": shape, "begin": begin, "end": end})
    pos = 0
    for e in sorted(entries, key=lambda e: (e["begin"], e["end"])):
        if e["begin"] != pos:
            raise SafetensorsError(f"{path}: tensor '{e['name']}' starts at byte {e['begin']}, expected {pos} (overlap or hole)")
        pos = e["end"]
    if pos != len(buffer):
        raise SafetensorsError(f"{path}: tensors cover {pos} bytes but the buffer holds {len(buffer)}")
    if checksum != "skip":
        stored = metadata.get(CHECKSUM_KEY)
        if stored is None and checksum == "require":
            raise SafetensorsError(f"{path}: no checksum ('{CHECKSUM_KEY}' metadata) in the file")
        if stored is not None:
            actual = _checksum(entries, metadata, buffer)
            if actual != stored:
                raise SafetensorsError(f"{path}: checksum mismatch, the file is corrupted (stored {stored}, computed {actual})")
    tensors = {}
    for e in entries:
        torch_dtype, _ = DTYPES[e["dtype"]]
        raw = bytearray(buffer[e["begin"] : e["end"]])
        t = torch.frombuffer(raw, dtype=torch_dtype) if raw else torch.empty(0, dtype=torch_dtype)
        tensors[e["name"]] = t.reshape(e["shape"])
    return tensors, {k: v for k, v in metadata.items()}


def encode_safetensors(tensors: Mapping[str, torch.Tensor], metadata: Optional[Mapping[str, str]] = None) -> bytes:
    """Bytes of a file holding `tensors` (made contiguous, moved to CPU) with a checksum in the metadata."""
    items = []
    for name, t in tensors.items():
        if name == METADATA_KEY:
            raise SafetensorsError(f"'{METADATA_KEY}' is reserved and cannot be a tensor name")
        t = t.detach().to("cpu").contiguous()
        dtype = _TORCH_TO_NAME.get(t.dtype)
        if dtype is None:
            raise SafetensorsError(f"tensor '{name}': torch dtype {t.dtype} has no safetensors dtype here")
        items.append((name, dtype, t))
    items.sort(key=lambda x: (-_DTYPE_RANK.index(x[1]), x[0]))
    entries, chunks, offset = [], [], 0
    for name, dtype, t in items:
        raw = t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
        entries.append({"name": name, "dtype": dtype, "shape": list(t.shape), "begin": offset, "end": offset + len(raw)})
        chunks.append(raw)
        offset += len(raw)
    buffer = b"".join(chunks)
    meta = {k: v for k, v in (metadata or {}).items() if k != CHECKSUM_KEY}
    for k, v in meta.items():
        if not isinstance(v, str):
            raise SafetensorsError(f"metadata '{k}' must be a string, got {type(v).__name__}")
    meta[CHECKSUM_KEY] = _checksum(entries, meta, buffer)
    header = {METADATA_KEY: {k: meta[k] for k in sorted(meta)}}
    for e in entries:
        header[e["name"]] = {"dtype": e["dtype"], "shape": e["shape"], "data_offsets": [e["begin"], e["end"]]}
    text = _js_json(header).encode("utf-8")
    padded = (8 + len(text) + 7) // 8 * 8 - 8
    return struct.pack("<Q", padded) + text + b" " * (padded - len(text)) + buffer


def write_file_atomic(path: str, data: bytes) -> None:
    """Writes a temporary file beside `path`, fsyncs it and renames it over `path`."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_safetensors(path: str, tensors: Mapping[str, torch.Tensor], metadata: Optional[Mapping[str, str]] = None) -> None:
    write_file_atomic(path, encode_safetensors(tensors, metadata))
