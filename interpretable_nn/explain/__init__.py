"""Explanations and their checks."""

from .explanation import Explanation
from .gradients import integrated_gradients

__all__ = ["Explanation", "integrated_gradients"]
