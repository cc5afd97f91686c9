"""Tests for the vector index core."""
