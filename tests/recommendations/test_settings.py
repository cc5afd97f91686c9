"""The recommender's cadence, model and exploration come from ATELIER_RECOMMEND_* settings, and
a model the service could not serve is refused when it starts, not on the first feed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from atelier.config import Settings
from atelier.errors import ConfigurationError
from atelier.services.recommendations.config import RecommendConfig


def test_environment_settings_reach_the_recommender(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_RECOMMEND_MODEL", "itemknn")
    monkeypatch.setenv("ATELIER_RECOMMEND_RETRAIN_EVENTS", "5")
    monkeypatch.setenv("ATELIER_RECOMMEND_RETRAIN_MINUTES", "2.5")
    monkeypatch.setenv("ATELIER_RECOMMEND_EXPLORE_SHARE", "0.2")
    config = RecommendConfig.from_settings(Settings())
    assert (config.model, config.retrain_events, config.retrain_minutes) == ("itemknn", 5, 2.5)
    assert config.explore_share == 0.2


def test_defaults_are_the_recommenders_own() -> None:
    from_settings = RecommendConfig.from_settings(Settings())
    default = RecommendConfig()
    for name in ("model", "retrain_events", "retrain_minutes", "explore_share"):
        assert getattr(from_settings, name) == getattr(default, name)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ATELIER_RECOMMEND_RETRAIN_EVENTS", "0"),
        ("ATELIER_RECOMMEND_RETRAIN_MINUTES", "-1"),
        ("ATELIER_RECOMMEND_EXPLORE_SHARE", "0.9"),
        ("ATELIER_RECOMMEND_EXPLORE_SHARE", "lots"),
    ],
)
def test_out_of_range_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=variable.removeprefix("ATELIER_").lower()):
        Settings()


@pytest.mark.parametrize(
    ("name", "message"), [("bpr", "cannot fold.*choose .*als"), ("svd", "svd")]
)
def test_a_model_the_service_cannot_serve_is_refused(name: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        RecommendConfig.from_settings(Settings(recommend_model=name))
