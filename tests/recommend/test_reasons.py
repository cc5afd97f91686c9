"""Tests for reason text rendering."""

from __future__ import annotations

import pytest

from atelier.recommend.events import Kind
from atelier.recommend.reasons import REASON_KINDS, make_reason, render_text, verb_for


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        (
            {"kind": "liked_similar", "ref_name": "Harbor at dusk"},
            "because you liked Harbor at dusk",
        ),
        (
            {"kind": "liked_similar", "ref_name": "Harbor at dusk", "action": "saved"},
            "because you saved Harbor at dusk",
        ),
        ({"kind": "lora_graph", "count": 4, "action": "saved"}, "used in 4 images you saved"),
        ({"kind": "lora_graph", "count": 1, "action": "liked"}, "used in 1 image you liked"),
        ({"kind": "lora_graph", "count": 2}, "used in 2 images from your history"),
        (
            {"kind": "collaborative", "ref_name": "Ink Wash"},
            "popular with people who like Ink Wash",
        ),
        (
            {"kind": "lora_graph", "ref_name": "Ink Wash", "action": "saved"},
            "made with Ink Wash, a LoRA you saved",
        ),
        ({"kind": "co_used", "ref_name": "Ink Wash", "count": 3}, "used with Ink Wash in 3 images"),
        ({"kind": "tag_match", "tag": "watercolor"}, "matches your tag watercolor"),
        ({"kind": "base_model", "tag": "SDXL 1.0"}, "for SDXL 1.0, a base model you use"),
        (
            {"kind": "collaborative", "ref_name": "Ink Wash", "action": "saved"},
            "popular with people who saved Ink Wash",
        ),
        ({"kind": "explore"}, "something new to explore"),
    ],
)
def test_templates_render_short_true_sentences(kwargs: dict[str, object], text: str) -> None:
    assert render_text(**kwargs) == text  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", REASON_KINDS)
def test_every_kind_renders_without_unknown_parts(kind: str) -> None:
    text = render_text(kind)  # type: ignore[arg-type]
    assert text and "None" not in text and "{" not in text


def test_make_reason_looks_up_the_display_name() -> None:
    reason = make_reason("liked_similar", ref_item_id=42, ref_names={42: "Foggy pier"})
    assert reason.ref_item_id == 42
    assert reason.text == "because you liked Foggy pier"


def test_a_missing_name_is_left_out_not_invented() -> None:
    reason = make_reason("liked_similar", ref_item_id=42, ref_names={})
    assert reason.text == "like things you liked"
    assert reason.ref_item_id == 42


def test_verbs_exist_only_for_positive_kinds() -> None:
    assert verb_for(Kind.SAVE) == "saved"
    assert verb_for(Kind.DISLIKE) is None
    assert verb_for(-1) is None
