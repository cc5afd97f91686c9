"""The met/missed sentences `atelier eval recommend` writes under its tables."""

from __future__ import annotations

from atelier.cli.recommend import _creator_goals, _simulation_goals
from atelier.recommend.metrics import RankingMetrics
from atelier.services.recommendations.evaluation import MethodResult
from atelier.services.recommendations.simulation import PersonResult, Taste


def _method(name: str, recall: float) -> MethodResult:
    metrics = RankingMetrics(precision=0.0, recall=recall, ndcg=0.0, hit_rate=0.0, users=10, k=10)
    return MethodResult(name, metrics, seconds=0.0)


def _lora_person(first: float, last: float, hit: bool | None) -> PersonResult:
    taste = Taste(kind="lora", label="x", lora_row=0, tag_codes=(), picks={})
    return PersonResult(taste=taste, precision=[first, 0.2, last], lora_hit_after_5=hit)


def test_creator_goal_is_missed_when_popularity_is_ahead() -> None:
    text = _creator_goals(
        [_method("popularity", 0.2), _method("als", 0.02), _method("atelier (served)", 0.16)]
    )
    assert "0.80x popularity" in text and "8.0x plain ALS" in text
    assert "**missed**" in text


def test_creator_goal_is_met_when_served_beats_both() -> None:
    text = _creator_goals(
        [_method("popularity", 0.2), _method("als", 0.1), _method("atelier (served)", 0.3)]
    )
    assert "Beating both: met" in text


def test_people_who_never_reached_five_likes_count_as_misses() -> None:
    people = [_lora_person(0.1, 0.3, True)] * 7 + [_lora_person(0.1, 0.3, None)] * 4
    text = _simulation_goals({"atelier, onboarded": people, "popularity": people})
    assert "3.0x (goal 3x: met)" in text
    assert "7 of 11 = 64% (goal 70%: **missed**)" in text
    assert "popularity" not in text


def test_a_first_round_of_zero_is_not_called_met() -> None:
    text = _simulation_goals({"atelier, cold start": [_lora_person(0.0, 0.05, True)]})
    assert "from 0 to 0.050" in text and "goal 3x: met" not in text
