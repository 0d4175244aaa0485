"""Torch building blocks (feature nets, logic layers, prototype layers)."""
