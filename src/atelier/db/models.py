"""Every table, imported in one place so metadata and Alembic see them all."""

from atelier.db.base import Base
from atelier.db.catalog import (
    LORA_TYPES,
    Image,
    ImageResource,
    Model,
    ModelFile,
    ModelTag,
    ModelVersion,
)
from atelier.db.people import (
    Collection,
    CollectionItem,
    Favorite,
    Interaction,
    LoginThrottle,
    User,
    UserSession,
)
from atelier.db.pipeline import Embedding, IngestCursor, IngestRun

__all__ = [
    "LORA_TYPES",
    "Base",
    "Collection",
    "CollectionItem",
    "Embedding",
    "Favorite",
    "Image",
    "ImageResource",
    "IngestCursor",
    "IngestRun",
    "Interaction",
    "LoginThrottle",
    "Model",
    "ModelFile",
    "ModelTag",
    "ModelVersion",
    "User",
    "UserSession",
]
