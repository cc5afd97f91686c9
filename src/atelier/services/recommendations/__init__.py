"""Recommendations: the personal image feed, LoRA suggestions, onboarding and model training."""
