"""The one Settings object: every knob Atelier reads from the environment (prefix ATELIER_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; documented field by field in `.env.example` (a test checks it)."""

    model_config = SettingsConfigDict(env_prefix="ATELIER_", env_file=None, extra="ignore")

    mode: Literal["development", "production"] = Field(
        "development", description="production refuses insecure defaults"
    )
    data_dir: Path = Field(Path("data"), description="SQLite file, indexes and model caches")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is SQLite at <data_dir>/atelier.db"
    )
    import_path: Path | None = Field(
        None,
        validation_alias="ATELIER_IMPORT",
        description="dump imported by `make run` when the catalog is empty",
    )
    shared_data: Path = Field(
        Path("../shared/civitai"), description="folder of the shared Civitai data"
    )
    civitai_base_url: str = Field("https://civitai.com", description="Civitai API origin")
    civitai_api_key: str | None = Field(None, description="optional Civitai API key")
    first_import_limit: int = Field(
        500, description="LoRA models fetched by the first live import of `make run`"
    )
    embedder: str = Field("minilm-onnx-phrases", description="text embedder name")
    query_phrase_memory: bool = Field(
        True,
        description="load the catalog's saved phrase vectors when the server starts, so "
        "queries made of known phrases skip the model (about 200 MB for the full catalog)",
    )
    vector_index: str = Field(
        "ivf", description="vector index kind: exact, sq8, ivf, hnsw, hnsw-flat"
    )
    host: str = Field("127.0.0.1", description="address `atelier serve` binds")
    port: int = Field(8000, description="port `atelier serve` binds")
    secure_cookies: bool = Field(False, description="mark cookies Secure (serve over HTTPS)")
    session_days: int = Field(14, description="days a login session lives")
    secret_key: str | None = Field(
        None, description="server secret; required in production, random per start otherwise"
    )
    max_body_bytes: int = Field(65536, description="largest request body accepted")
    recommend_model: str = Field(
        "als",
        description="collaborative model the recommender trains: als, itemknn, ease or "
        "popularity (one that folds new people in between retrains)",
    )
    recommend_retrain_events: int = Field(
        200, ge=1, description="retrain the collaborative model after this many taste events"
    )
    recommend_retrain_minutes: float = Field(
        30.0,
        gt=0,
        description="or this many minutes after the last training, when anything was logged",
    )
    recommend_explore_share: float = Field(
        0.1, ge=0, le=0.5, description="share of each feed page given to exploration"
    )

    def resolved_database_url(self) -> str:
        """The database URL, falling back to the embedded SQLite file under the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'atelier.db').as_posix()}"
