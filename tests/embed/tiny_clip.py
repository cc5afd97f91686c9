"""Builds a tiny, randomly initialised CLIP model directory for tests (no download, seconds)."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any, cast

IMAGE_SIZE = 32
PROJECTION_DIM = 16


def _tiny_tokenizer_files() -> tuple[dict[str, int], list[tuple[str, str]]]:
    """A character-level BPE vocabulary: every letter, digit and common mark, alone or word-final.

    Enough for the tokenizer to encode any ASCII text into real ids; a few merges make common
    pairs single tokens, so it is a working BPE and not only a character map.
    """
    symbols = list(string.ascii_lowercase + string.digits + ".,:;!?'-()")
    tokens = ["<|startoftext|>", "<|endoftext|>"]
    tokens += symbols + [f"{s}</w>" for s in symbols]
    merges = [("t", "h"), ("th", "e</w>"), ("a", "t</w>"), ("o", "n</w>"), ("e", "r</w>")]
    tokens += ["th", "the</w>", "at</w>", "on</w>", "er</w>"]
    return {token: i for i, token in enumerate(tokens)}, merges


def build_tiny_clip(target: Path) -> Path:
    """Save a CLIPModel, its tokenizer and its image-processor config into `target`."""
    import torch
    from transformers import CLIPConfig, CLIPModel, CLIPTokenizer

    vocab, merges = _tiny_tokenizer_files()
    # transformers annotates merges as strings, but its tokenizers backend wants pairs.
    tokenizer = CLIPTokenizer(vocab=vocab, merges=cast(Any, merges))
    config = CLIPConfig(
        text_config={
            "vocab_size": len(vocab),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "max_position_embeddings": 32,
            "bos_token_id": vocab["<|startoftext|>"],
            "eos_token_id": vocab["<|endoftext|>"],
            "pad_token_id": vocab["<|endoftext|>"],
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "image_size": IMAGE_SIZE,
            "patch_size": 8,
        },
        projection_dim=PROJECTION_DIM,
    )
    torch.manual_seed(0)
    model: Any = CLIPModel(config)
    model.eval().save_pretrained(target)
    tokenizer.save_pretrained(target)
    # Written as JSON rather than through CLIPImageProcessor, which needs Pillow or torchvision
    # just to be constructed; this is the file from_pretrained reads either way.
    preprocessor = {
        "image_processor_type": "CLIPImageProcessor",
        "do_resize": True,
        "size": {"shortest_edge": IMAGE_SIZE},
        "resample": 3,
        "do_center_crop": True,
        "crop_size": {"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_std": [0.26862954, 0.26130258, 0.27577711],
        "do_convert_rgb": True,
    }
    (target / "preprocessor_config.json").write_text(json.dumps(preprocessor), encoding="utf-8")
    return target
