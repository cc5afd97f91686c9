"""Schemas of recommendations: feed and LoRA pages with a reason per item, and onboarding."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from atelier.api.schemas import PlainText
from atelier.api.schemas.favorites import ImageCardPublic, LoraCardPublic
from atelier.api.schemas.me import PreferencesPublic
from atelier.recommend.reasons import ReasonKind
from atelier.services.accounts import MAX_PREFERENCE_CHARS, MAX_PREFERENCE_ITEMS, Profile
from atelier.services.recommendations.service import (
    FeedPage,
    LoraPage,
    OnboardingView,
)
from atelier.services.recommendations.signals import Pick

ShortText = Annotated[PlainText, Field(max_length=MAX_PREFERENCE_CHARS)]


class ReasonPublic(BaseModel):
    """Why an item was picked: the signal that ranked it and what it points at."""

    kind: ReasonKind
    text: str = Field(description="a short sentence to show, e.g. 'because you liked ...'")
    ref_type: Literal["image", "lora"] | None = Field(
        None, description="the kind of item `ref_id` names"
    )
    ref_id: int | None = Field(None, description="the image or LoRA the reason names")
    count: int | None = Field(None, description="the number in the sentence, when there is one")
    tag: str | None = Field(None, description="the tag or base model the reason names")

    @classmethod
    def of(cls, pick: Pick) -> ReasonPublic:
        reason = pick.reason
        return cls(
            kind=reason.kind,
            text=reason.text,
            ref_type=pick.ref_type,
            ref_id=reason.ref_item_id,
            count=reason.count,
            tag=reason.tag,
        )


class RecommendedImagePublic(BaseModel):
    """An image in the feed."""

    image: ImageCardPublic
    reason: ReasonPublic
    score: float
    explore: bool = Field(description="picked to explore beyond the person's known taste")


class RecommendedImagesPublic(BaseModel):
    """A page of the feed; `next_cursor` continues it (null at the end)."""

    data: list[RecommendedImagePublic]
    next_cursor: str | None
    personalised: bool = Field(description="false for the anonymous popular-and-diverse feed")

    @classmethod
    def of(cls, page: FeedPage) -> RecommendedImagesPublic:
        data = []
        for item in page.items:
            card = ImageCardPublic.of(item.card)
            assert card is not None
            data.append(
                RecommendedImagePublic(
                    image=card,
                    reason=ReasonPublic.of(item.pick),
                    score=item.pick.score,
                    explore=item.pick.explore,
                )
            )
        return cls(data=data, next_cursor=page.next_cursor, personalised=page.personalised)


class RecommendedLoraPublic(BaseModel):
    """A suggested LoRA."""

    lora: LoraCardPublic
    reason: ReasonPublic
    score: float
    explore: bool


class RecommendedLorasPublic(BaseModel):
    """LoRA suggestions, best first."""

    data: list[RecommendedLoraPublic]
    personalised: bool

    @classmethod
    def of(cls, page: LoraPage) -> RecommendedLorasPublic:
        data = []
        for item in page.items:
            card = LoraCardPublic.of(item.card)
            assert card is not None
            data.append(
                RecommendedLoraPublic(
                    lora=card,
                    reason=ReasonPublic.of(item.pick),
                    score=item.pick.score,
                    explore=item.pick.explore,
                )
            )
        return cls(data=data, personalised=page.personalised)


class StylePublic(BaseModel):
    """A style to pick: a cluster of LoRAs named by its tags, with a sample image."""

    id: int
    title: str
    tags: list[str]
    sample: ImageCardPublic | None
    lora_ids: list[int] = Field(description="example LoRAs of this style, most popular first")


class OnboardingPublic(BaseModel):
    """Styles, popular tags and base models to pick from."""

    styles: list[StylePublic]
    tags: list[str]
    base_models: list[str]

    @classmethod
    def of(cls, view: OnboardingView) -> OnboardingPublic:
        styles = [
            StylePublic(
                id=s.style.id,
                title=s.title,
                tags=list(s.tags),
                sample=ImageCardPublic.of(view.samples.get(s.sample_image_id or -1)),
                lora_ids=s.lora_ids,
            )
            for s in view.offer.styles
        ]
        return cls(styles=styles, tags=view.offer.tags, base_models=view.offer.base_models)


class OnboardingPicks(BaseModel):
    """What the person picked; tags and base models replace their earlier liked ones."""

    model_config = ConfigDict(extra="forbid")

    styles: Annotated[list[int], Field(max_length=50)] = []
    tags: Annotated[list[ShortText], Field(max_length=MAX_PREFERENCE_ITEMS)] = []
    base_models: Annotated[list[ShortText], Field(max_length=MAX_PREFERENCE_ITEMS)] = []


class OnboardedPublic(BaseModel):
    """The preferences after onboarding."""

    onboarded: bool
    preferences: PreferencesPublic

    @classmethod
    def of(cls, profile: Profile) -> OnboardedPublic:
        user = profile.user
        return cls(
            onboarded=user.onboarded,
            preferences=PreferencesPublic(
                liked_tags=list(user.liked_tags or []),
                blocked_tags=list(user.blocked_tags or []),
                base_models=list(user.base_models or []),
                max_content_level=user.max_content_level,
                show_poi=user.show_poi,
            ),
        )
