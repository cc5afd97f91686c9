"""Liveness: the app is up and its database answers."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from atelier.api.deps import DbSession

router = APIRouter(prefix="/api", tags=["health"])


class HealthPublic(BaseModel):
    status: str


@router.get("/health", summary="Check that the app and its database answer")
def health(db: DbSession) -> HealthPublic:
    db.execute(text("SELECT 1"))
    return HealthPublic(status="ok")
