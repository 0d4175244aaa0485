"""The one training engine of the library."""

from .engine import (
    TrainConfig,
    TrainResult,
    predict_batched,
    resolve_device,
    seed_everything,
    train,
)

__all__ = ["TrainConfig", "TrainResult", "predict_batched", "resolve_device", "seed_everything", "train"]
