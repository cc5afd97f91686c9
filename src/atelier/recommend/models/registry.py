"""Model registry: build a model by name, or load whichever model a saved file holds."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from atelier.errors import ConfigurationError
from atelier.recommend.models.base import ModelFileError, PathLike, ScoringModel, read_npz
from atelier.recommend.models.ease import EASEModel
from atelier.recommend.models.factors import ALSModel, BPRModel
from atelier.recommend.models.itemknn import ItemKNNModel
from atelier.recommend.models.popularity import PopularityModel

MODELS: Mapping[str, type[ScoringModel]] = MappingProxyType(
    {cls.name: cls for cls in (PopularityModel, ItemKNNModel, ALSModel, BPRModel, EASEModel)}
)
MODEL_NAMES: tuple[str, ...] = tuple(MODELS)


class UnknownModelError(ConfigurationError):
    """A model name that is not in the registry."""


def model_class(name: str) -> type[ScoringModel]:
    """The class registered under `name`; raise UnknownModelError otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(MODEL_NAMES)
        raise UnknownModelError(f"unknown model {name!r}; known models: {known}") from None


def make_model(name: str, **params: Any) -> ScoringModel:
    """A new, unfitted model; unknown parameters raise TypeError from the constructor."""
    return model_class(name)(**params)


def load_model(path: PathLike) -> ScoringModel:
    """Load a model saved by any registered model's `save`, dispatching on its stored name."""
    arrays = read_npz(path)
    if "model" not in arrays:
        raise ModelFileError(f"{path} is not an Atelier model file")
    name = str(np.asarray(arrays["model"]))
    return model_class(name).from_arrays(arrays, source=str(path))
