"""The text of every image and LoRA, as embedded and as keyword-indexed, built from the catalog.

What is embedded is designed: an image is its prompt (without `<lora:...>` tags) and the tags
of the models that made it; a LoRA is its name, tags, trigger words, what its showcase images
show, and its description.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, select

from atelier.db.fulltext import LoraDocument
from atelier.db.models import Image, ImageResource, Model, ModelVersion
from atelier.embed.texts import image_text, lora_text, strip_lora_tags

# Showcase prompts summarised into a LoRA's text; more adds little and costs time.
SHOWCASE_PROMPTS = 30
_BATCH = 5000


@dataclass(frozen=True, slots=True)
class ItemText:
    """One item's text for embedding, with a digest that says when it changed."""

    item_type: str
    item_id: int
    text: str

    @property
    def digest(self) -> str:
        return hashlib.blake2b(self.text.encode(), digest_size=16).hexdigest()


def _model_tags(connection: Connection) -> dict[int, list[str]]:
    return {
        model_id: list(tags or [])
        for model_id, tags in connection.execute(select(Model.id, Model.tags))
    }


def _image_models(connection: Connection) -> dict[int, list[int]]:
    by_image: dict[int, list[int]] = defaultdict(list)
    for image_id, model_id in connection.execute(
        select(ImageResource.image_id, ImageResource.model_id)
    ):
        by_image[image_id].append(model_id)
    return by_image


def image_texts(connection: Connection) -> Iterator[tuple[ItemText, str]]:
    """(embedding text, keyword text) of every image, in id order, streamed in batches."""
    tags = _model_tags(connection)
    names = dict(connection.execute(select(Model.id, Model.name)).tuples().all())
    image_models = _image_models(connection)
    last = -1
    while True:
        rows = connection.execute(
            select(Image.id, Image.prompt).where(Image.id > last).order_by(Image.id).limit(_BATCH)
        ).all()
        if not rows:
            return
        for image_id, prompt in rows:
            models = image_models.get(image_id, [])
            model_tags: list[str] = []
            for model_id in models:
                model_tags += [t for t in tags.get(model_id, []) if t not in model_tags]
            embedded = ItemText("image", image_id, image_text(prompt, model_tags))
            keywords = " ".join(
                [strip_lora_tags(prompt or ""), " ".join(model_tags)]
                + [names.get(m, "") for m in models]
            )
            yield embedded, keywords
        last = rows[-1][0]


def lora_texts(connection: Connection) -> Iterator[tuple[ItemText, LoraDocument]]:
    """(embedding text, keyword document) of every LoRA."""
    triggers: dict[int, list[str]] = defaultdict(list)
    for model_id, words in connection.execute(
        select(ModelVersion.model_id, ModelVersion.trained_words).order_by(
            ModelVersion.model_id, ModelVersion.position
        )
    ):
        triggers[model_id] += [w for w in words or [] if w not in triggers[model_id]]
    showcase: dict[int, list[str]] = defaultdict(list)
    for model_id, prompt in connection.execute(
        select(ImageResource.model_id, Image.prompt)
        .join(Image, Image.id == ImageResource.image_id)
        .join(Model, Model.id == ImageResource.model_id)
        .where(Model.is_lora, ImageResource.posted, Image.prompt.is_not(None))
        .order_by(ImageResource.model_id, Image.id)
    ):
        if len(showcase[model_id]) < SHOWCASE_PROMPTS:
            showcase[model_id].append(prompt)
    for model in connection.execute(
        select(Model.id, Model.name, Model.tags, Model.creator, Model.description_text)
        .where(Model.is_lora)
        .order_by(Model.id)
    ):
        tags = list(model.tags or [])
        words = triggers.get(model.id, [])
        text = lora_text(
            model.name, tags, words, model.description_text, showcase.get(model.id, [])
        )
        document = LoraDocument(
            id=model.id,
            name=model.name,
            trigger_words=" ".join(words),
            tags=" ".join(tags),
            creator=model.creator or "",
            body=model.description_text[:20_000],
        )
        yield ItemText("lora", model.id, text), document
