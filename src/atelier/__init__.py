"""Atelier: explore AI-generated art and the LoRA models behind it."""

__version__ = "0.1.0"
