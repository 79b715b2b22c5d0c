"""Build an ONNX BERT encoder for all-MiniLM-L6-v2 from its safetensors weights.

No registry package ships this model as ONNX with its tokenizer, and PyTorch is far too big
to pull in just to export it, so the graph is written out by hand with the `onnx` package.
The graph is the plain Hugging Face `BertModel` forward pass (without the pooler, which
sentence-transformers does not use): fastembed does the mean pooling and normalisation.

The output is byte-identical for the same weights: nothing time- or host-dependent goes into
the model, and protobuf serialises the same message to the same bytes.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

# Opset 17 is the first with LayerNormalization; IR 8 keeps the file loadable by any
# onnxruntime from 1.14 on, not only the one installed here.
OPSET = 17
IR_VERSION = 8

_SAFETENSORS_DTYPES: dict[str, type[np.generic]] = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}


@dataclass(frozen=True)
class BertConfig:
    num_layers: int = 6
    num_heads: int = 12
    hidden_size: int = 384
    layer_norm_eps: float = 1e-12

    @property
    def head_size(self) -> int:
        return self.hidden_size // self.num_heads


MINILM_L6_CONFIG = BertConfig()


def read_safetensors(path: Path) -> dict[str, NDArray[np.generic]]:
    """Read every tensor of a .safetensors file into numpy arrays.

    The format is an 8-byte little-endian header length, a JSON header mapping names to
    dtype/shape/byte offsets (relative to the end of the header), then the raw tensors.
    """
    data = path.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    tensors: dict[str, NDArray[np.generic]] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        dtype = _SAFETENSORS_DTYPES.get(spec["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {spec['dtype']}")
        start, end = spec["data_offsets"]
        little_endian = np.dtype(dtype).newbyteorder("<")
        array = np.frombuffer(
            data,
            dtype=little_endian,
            count=(end - start) // little_endian.itemsize,
            offset=base + start,
        )
        # Copy into a native-order, writable array so the file's buffer can be freed.
        tensors[name] = array.reshape(spec["shape"]).astype(np.dtype(dtype), copy=True)
    return tensors


class _GraphBuilder:
    """Accumulates nodes and initializers with stable, readable names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def const(self, name: str, array: NDArray[np.generic]) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: list[str], name: str, **attrs: Any) -> str:
        self.nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attrs))
        return name

    def linear(self, x: str, weights: dict[str, NDArray[np.generic]], prefix: str) -> str:
        # torch Linear stores W as (out, in); MatMul wants (in, out).
        w = self.const(f"{prefix}.weight_t", weights[f"{prefix}.weight"].T)
        b = self.const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return self.op("Add", [self.op("MatMul", [x, w], f"{prefix}/matmul"), b], f"{prefix}/out")

    def layer_norm(self, x: str, weights: dict[str, NDArray[np.generic]], prefix: str, eps: float) -> str:
        gamma = self.const(f"{prefix}.weight", weights[f"{prefix}.weight"])
        beta = self.const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return self.op(
            "LayerNormalization",
            [x, gamma, beta],
            f"{prefix}/out",
            axis=-1,
            epsilon=eps,
        )


def _attention(
    g: _GraphBuilder,
    x: str,
    mask_bias: str,
    weights: dict[str, NDArray[np.generic]],
    prefix: str,
    cfg: BertConfig,
) -> str:
    split_heads = g.const(
        f"{prefix}.split_shape",
        np.array([0, 0, cfg.num_heads, cfg.head_size], dtype=np.int64),
    )
    merge_heads = g.const(f"{prefix}.merge_shape", np.array([0, 0, cfg.hidden_size], np.int64))

    def heads(kind: str, perm: list[int]) -> str:
        projected = g.linear(x, weights, f"{prefix}.self.{kind}")
        reshaped = g.op("Reshape", [projected, split_heads], f"{prefix}/{kind}/split")
        return g.op("Transpose", [reshaped], f"{prefix}/{kind}/heads", perm=perm)

    q = heads("query", [0, 2, 1, 3])  # (b, h, s, d)
    k = heads("key", [0, 2, 3, 1])  # (b, h, d, s): pre-transposed for Q @ K^T
    v = heads("value", [0, 2, 1, 3])
    scale = g.const(f"{prefix}.scale", np.array(1.0 / math.sqrt(cfg.head_size), np.float32))
    scores = g.op("Mul", [g.op("MatMul", [q, k], f"{prefix}/qk"), scale], f"{prefix}/scaled")
    masked = g.op("Add", [scores, mask_bias], f"{prefix}/masked")
    probs = g.op("Softmax", [masked], f"{prefix}/probs", axis=-1)
    context = g.op("MatMul", [probs, v], f"{prefix}/context")
    merged = g.op(
        "Reshape",
        [
            g.op("Transpose", [context], f"{prefix}/context_t", perm=[0, 2, 1, 3]),
            merge_heads,
        ],
        f"{prefix}/merged",
    )
    out = g.linear(merged, weights, f"{prefix}.output.dense")
    residual = g.op("Add", [out, x], f"{prefix}/residual")
    return g.layer_norm(residual, weights, f"{prefix}.output.LayerNorm", cfg.layer_norm_eps)


def _gelu(g: _GraphBuilder, x: str, prefix: str) -> str:
    # Exact erf GELU, as BERT's "gelu" activation (not the tanh approximation).
    inv_sqrt2 = g.const(f"{prefix}.inv_sqrt2", np.array(1.0 / math.sqrt(2.0), np.float32))
    one = g.const(f"{prefix}.one", np.array(1.0, np.float32))
    half = g.const(f"{prefix}.half", np.array(0.5, np.float32))
    erf = g.op("Erf", [g.op("Mul", [x, inv_sqrt2], f"{prefix}/scaled")], f"{prefix}/erf")
    gate = g.op("Mul", [g.op("Add", [erf, one], f"{prefix}/erf1"), half], f"{prefix}/gate")
    return g.op("Mul", [x, gate], f"{prefix}/out")


def _layer(
    g: _GraphBuilder,
    x: str,
    mask_bias: str,
    weights: dict[str, NDArray[np.generic]],
    index: int,
    cfg: BertConfig,
) -> str:
    prefix = f"encoder.layer.{index}"
    attended = _attention(g, x, mask_bias, weights, f"{prefix}.attention", cfg)
    inner = _gelu(g, g.linear(attended, weights, f"{prefix}.intermediate.dense"), f"{prefix}.gelu")
    out = g.linear(inner, weights, f"{prefix}.output.dense")
    residual = g.op("Add", [out, attended], f"{prefix}.output/residual")
    return g.layer_norm(residual, weights, f"{prefix}.output.LayerNorm", cfg.layer_norm_eps)


def build_bert_model(weights: dict[str, NDArray[np.generic]], cfg: BertConfig = MINILM_L6_CONFIG) -> onnx.ModelProto:
    """Return the encoder as an ONNX model: ids, mask, type ids in; last_hidden_state out."""
    g = _GraphBuilder()
    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])
        for name in ("input_ids", "attention_mask", "token_type_ids")
    ]

    word = g.op(
        "Gather",
        [
            g.const(
                "embeddings.word_embeddings.weight",
                weights["embeddings.word_embeddings.weight"],
            ),
            "input_ids",
        ],
        "embeddings/word",
    )
    token_type = g.op(
        "Gather",
        [
            g.const(
                "embeddings.token_type_embeddings.weight",
                weights["embeddings.token_type_embeddings.weight"],
            ),
            "token_type_ids",
        ],
        "embeddings/token_type",
    )
    # Absolute positions 0..seq-1: slice the table to the sequence length and let it broadcast
    # over the batch.
    seq_len = g.op("Shape", ["input_ids"], "embeddings/seq_len", start=1, end=2)
    position = g.op(
        "Slice",
        [
            g.const(
                "embeddings.position_embeddings.weight",
                weights["embeddings.position_embeddings.weight"],
            ),
            g.const("embeddings.slice_start", np.array([0], np.int64)),
            seq_len,
            g.const("embeddings.slice_axis", np.array([0], np.int64)),
        ],
        "embeddings/position",
    )
    summed = g.op(
        "Add",
        [g.op("Add", [word, token_type], "embeddings/word_type"), position],
        "embeddings/sum",
    )
    hidden = g.layer_norm(summed, weights, "embeddings.LayerNorm", cfg.layer_norm_eps)

    # (1 - mask) * -10000 added to the scores, shaped (b, 1, 1, s): BERT's original additive
    # mask. exp(-10000) underflows to exactly 0 in float32, so padded keys get no weight.
    mask_f = g.op("Cast", ["attention_mask"], "mask/float", to=TensorProto.FLOAT)
    inverted = g.op("Sub", [g.const("mask.one", np.array(1.0, np.float32)), mask_f], "mask/inv")
    bias = g.op(
        "Mul",
        [inverted, g.const("mask.neg", np.array(-10000.0, np.float32))],
        "mask/bias",
    )
    mask_bias = g.op(
        "Unsqueeze",
        [bias, g.const("mask.axes", np.array([1, 2], np.int64))],
        "mask/bias4d",
    )

    for index in range(cfg.num_layers):
        hidden = _layer(g, hidden, mask_bias, weights, index, cfg)
    g.nodes.append(helper.make_node("Identity", [hidden], ["last_hidden_state"], name="last_hidden_state"))

    output = helper.make_tensor_value_info(
        "last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", cfg.hidden_size]
    )
    graph = helper.make_graph(g.nodes, "bert_encoder", inputs, [output], g.initializers)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="layercache.semantic_cache.onnx_export",
        producer_version="1",
    )
    model.ir_version = IR_VERSION
    return model


def export_model_bytes(safetensors_path: Path, cfg: BertConfig = MINILM_L6_CONFIG) -> bytes:
    """Serialised ONNX model for the given weights; the same weights give the same bytes."""
    model = build_bert_model(read_safetensors(safetensors_path), cfg)
    onnx.checker.check_model(model)
    serialised: bytes = model.SerializeToString(deterministic=True)
    return serialised
