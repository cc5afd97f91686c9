"""Collaborative models behind one implicit-shaped protocol, and the registry that builds them."""

from atelier.recommend.models.base import ModelFileError, Recommender, ScoringModel
from atelier.recommend.models.ease import EASEModel
from atelier.recommend.models.factors import ALSModel, BPRModel
from atelier.recommend.models.itemknn import ItemKNNModel
from atelier.recommend.models.popularity import PopularityModel
from atelier.recommend.models.registry import (
    MODEL_NAMES,
    UnknownModelError,
    load_model,
    make_model,
    model_class,
)

__all__ = [
    "MODEL_NAMES",
    "ALSModel",
    "BPRModel",
    "EASEModel",
    "ItemKNNModel",
    "ModelFileError",
    "PopularityModel",
    "Recommender",
    "ScoringModel",
    "UnknownModelError",
    "load_model",
    "make_model",
    "model_class",
]
