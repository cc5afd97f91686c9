"""The `Reason` attached to every recommended item, and its text rendered from templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

from atelier.recommend.events import Kind

ReasonKind = Literal[
    "liked_similar",
    "lora_graph",
    "co_used",
    "tag_match",
    "base_model",
    "collaborative",
    "popular",
    "explore",
]
REASON_KINDS: tuple[ReasonKind, ...] = get_args(ReasonKind)

# Past-tense verbs for the interaction a reason points at ("because you saved ...").
ACTION_VERBS: Mapping[Kind, str] = MappingProxyType(
    {Kind.VIEW: "viewed", Kind.CLICK: "opened", Kind.LIKE: "liked", Kind.SAVE: "saved"}
)


@dataclass(frozen=True)
class Reason:
    """Why an item was recommended: the signal, what it points at, and the sentence to show."""

    kind: ReasonKind
    ref_item_id: int | None = None
    count: int | None = None
    tag: str | None = None
    text: str = ""
    action: str | None = None


def verb_for(kind_code: int | None) -> str | None:
    """The verb for a `Kind` code, or None for codes without one (negative kinds, -1)."""
    if kind_code is None or kind_code < 0:
        return None
    try:
        return ACTION_VERBS.get(Kind(kind_code))
    except ValueError:
        return None


def _images(count: int) -> str:
    return "1 image" if count == 1 else f"{count} images"


def render_text(
    kind: ReasonKind,
    *,
    ref_name: str | None = None,
    count: int | None = None,
    tag: str | None = None,
    action: str | None = None,
) -> str:
    """One short sentence; parts that are unknown are left out rather than guessed.

    `liked_similar` means "liked" unless told otherwise; elsewhere an unknown action is not
    assumed to be a like.
    """
    match kind:
        case "liked_similar":
            verb = action or "liked"
            return f"because you {verb} {ref_name}" if ref_name else f"like things you {verb}"
        case "lora_graph":
            if count and ref_name:
                # An image made with a LoRA the person met through other images.
                whose = f"you {action}" if action else "in your history"
                return f"made with {ref_name}, the LoRA behind {_images(count)} {whose}"
            if count:
                whose = f"you {action}" if action else "from your history"
                return f"used in {_images(count)} {whose}"
            if ref_name:
                return (
                    f"made with {ref_name}, a LoRA you {action}"
                    if action
                    else f"made with {ref_name}"
                )
            return "made with LoRAs you use"
        case "co_used":
            if ref_name and count:
                return f"used with {ref_name} in {_images(count)}"
            return f"often used with {ref_name}" if ref_name else "often used with your LoRAs"
        case "tag_match":
            return f"matches your tag {tag}" if tag else "matches your tags"
        case "base_model":
            return f"for {tag}, a base model you use" if tag else "for your base models"
        case "collaborative":
            if ref_name:
                return f"popular with people who {action or 'like'} {ref_name}"
            return "popular with people whose taste matches yours"
        case "popular":
            return "popular on Atelier"
        case "explore":
            return "something new to explore"
    raise ValueError(f"unknown reason kind {kind!r}")


def make_reason(
    kind: ReasonKind,
    *,
    ref_item_id: int | None = None,
    ref_names: Mapping[int, str] | None = None,
    count: int | None = None,
    tag: str | None = None,
    action: str | None = None,
) -> Reason:
    """A `Reason` with its text rendered; `ref_names` maps ref ids to display names."""
    name = None
    if ref_item_id is not None and ref_names is not None:
        name = ref_names.get(ref_item_id)
    text = render_text(kind, ref_name=name, count=count, tag=tag, action=action)
    return Reason(
        kind=kind, ref_item_id=ref_item_id, count=count, tag=tag, text=text, action=action
    )
