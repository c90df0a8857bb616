"""BERT4Rec in PyTorch with this project's checkpoint format: see interop/pytorch/README.md."""
from .checkpoint import CheckpointError, load_model, load_optimizer_moments, load_sequences, read_checkpoint, save_checkpoint
from .model import Bert4Rec, Bert4RecConfig, no_decay
from .safetensors_io import SafetensorsError, read_safetensors, write_safetensors

__all__ = [
    "Bert4Rec",
    "Bert4RecConfig",
    "CheckpointError",
    "SafetensorsError",
    "load_model",
    "load_optimizer_moments",
    "load_sequences",
    "no_decay",
    "read_checkpoint",
    "read_safetensors",
    "save_checkpoint",
    "write_safetensors",
]
