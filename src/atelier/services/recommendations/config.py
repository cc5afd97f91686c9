"""The recommender's knobs: retraining cadence, model choice, signal weights, diversity."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from atelier.errors import ConfigurationError
from atelier.recommend.models import MODEL_NAMES, model_class

# The `Settings` fields (ATELIER_RECOMMEND_*) that override the defaults below.
SETTINGS_FIELDS = {
    "recommend_model": "model",
    "recommend_retrain_events": "retrain_events",
    "recommend_retrain_minutes": "retrain_minutes",
    "recommend_explore_share": "explore_share",
}


@dataclass(frozen=True)
class SignalWeights:
    """How much each signal counts in the blend (each is min-max scaled first)."""

    content: float = 1.0
    collaborative: float = 0.5
    graph: float = 0.8
    tags: float = 0.5
    base_model: float = 0.1
    popular: float = 0.15
    co_used: float = 0.5


@dataclass(frozen=True)
class RecommendConfig:
    """Everything the recommendation service can be tuned with."""

    # Collaborative model served from the registry; it must fold new users in (als, itemknn,
    # ease, popularity) because people change between retrains.
    model: str = "als"
    model_params: dict[str, Any] = field(default_factory=dict)
    # Retrain after this many new taste events (likes, saves, dislikes, hides) ...
    retrain_events: int = 200
    # ... or this many minutes after the last training when anything new was logged.
    retrain_minutes: float = 30.0
    # Fewer logged events than this and no model is trained: nothing to learn from yet.
    min_train_events: int = 20
    weights: SignalWeights = field(default_factory=SignalWeights)
    # For LoRA suggestions the image->LoRA graph is the most specific evidence there is, and
    # popularity a strong prior: on creator histories (docs/benchmarks.md) the LoRAs people
    # take up next are mostly widely used ones. Popularity, co-use and content were tuned on a
    # validation split (each creator's second-latest version held out, and every later one
    # hidden, `creator_split(back=1)`): Recall@10 there 0.201 with popularity 1.0 and content
    # 0.6, 0.226 with 2.0 and 0.3 (popularity alone 0.220). Declared tags weigh as much as
    # popularity, so someone who picked a style sees its LoRAs: of their first 10 suggestions
    # 84% carry a picked tag at 2.0, 32% at 0.5 (the 16 onboarding styles, full catalog).
    lora_weights: SignalWeights = field(
        default_factory=lambda: SignalWeights(
            content=0.3, collaborative=0.2, graph=1.5, co_used=1.0, popular=2.0, tags=2.0
        )
    )
    # LoRA popularity's weight is divided by 1 + (positively engaged images / this): a prior
    # for people known only by their saved LoRAs, which makes way for the LoRAs behind the
    # images they like. Without the fade, popularity at 2.0 pushed the hidden LoRA of 3 more
    # of 11 simulated people (one seed like) out of their top 10; with it, a person with 5
    # liked images weighs popularity 1.0, as before.
    lora_popular_fade: float = 5.0
    # Declared tags and base models steer a cold feed; as behaviour accumulates they give way:
    # their weight is divided by 1 + (positively engaged items / this).
    declared_fade: float = 10.0
    # Share of each feed page given to exploration (items outside the person's known taste).
    explore_share: float = 0.1
    mmr_lambda: float = 0.75
    near_duplicate: float = 0.97
    # MMR picks among this many of the most relevant candidates (plus the exploration pool)
    # before it looks further: a page of 20 from ~1,000 candidates costs a quarter as much.
    mmr_shortlist: int = 200
    # At most this many items per LoRA / creator on a page, unless the person favours them:
    # then up to half the page, so someone who likes every image of one LoRA they are shown
    # sees it fill a good share of the feed, and the other half still varies.
    per_lora_cap: int = 3
    per_creator_cap: int = 4
    favoured_share: float = 0.5
    # Impressions (served without a click, like or save) after which an item is not shown again.
    max_impressions: int = 5
    # Each unanswered impression lowers an item a little, so a refreshed feed moves on.
    impression_penalty: float = 0.3
    history_limit: int = 2000
    # Content profiles kept in memory (about 60 KB each); others are rebuilt from the log.
    profile_cache: int = 2048
    candidates_per_source: int = 200
    # Share of the vector index's tuned search effort spent on content candidates. They are
    # one pool of several, blended and re-ranked afterwards, so near-exact neighbours matter
    # less than in search: at 0.5 the IVF probes half the lists, keeps 94% of the neighbours
    # and takes 40% less time (docs/benchmarks.md, recommend-speed and recommend-quality).
    candidate_search_effort: float = 0.5
    # Collaborative candidates come from an inner-product index over the image factors once
    # the model has this many image columns; below it scoring every image costs about a
    # millisecond, no more than a search, and needs no index memory.
    cf_index_min_images: int = 50_000
    onboarding_styles: int = 16
    # Half-life of interest, in days.
    half_life_days: float = 30.0
    model_dir: Path | None = None
    # "blend" serves every signal; "popular" and "collaborative" serve one signal alone, as the
    # baselines of the evaluation do.
    strategy: Literal["blend", "popular", "collaborative"] = "blend"
    # Diversity re-ranking and exploration; off, a page is the blended order.
    rerank: bool = True
    # Record served items as `view` events (impressions); evaluation may turn it off.
    record_impressions: bool = True

    @classmethod
    def from_settings(cls, settings: Any) -> RecommendConfig:
        """Defaults overridden by whichever `recommend_*` fields the settings object has."""
        values: dict[str, Any] = {}
        for setting, name in SETTINGS_FIELDS.items():
            value = getattr(settings, setting, None)
            if value is not None:
                values[name] = value
        data_dir = getattr(settings, "data_dir", None)
        if data_dir is not None:
            values["model_dir"] = Path(data_dir) / "recommend"
        config = replace(cls(), **values)
        _check_model(config.model)
        return config


def _check_model(name: str) -> None:
    """Refuse, at start-up, a model the service could not serve: people change between
    retrains, so the model must fold a person's latest history in (BPR cannot)."""
    if not model_class(name).supports_recalculate_user:
        servable = [n for n in MODEL_NAMES if model_class(n).supports_recalculate_user]
        raise ConfigurationError(
            f"recommend model {name!r} cannot fold new people in between retrains; "
            f"choose {', '.join(servable)}"
        )
