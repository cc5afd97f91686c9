"""Named collections: create, list, read, rename, delete, add and remove items, reorder.

Ownership is checked once, in `owned_collection`: someone else's collection id answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, status

from atelier.api.auth.deps import CsrfProtected, CurrentUser
from atelier.api.deps import DbSession
from atelier.api.schemas.collections import (
    CollectionCreate,
    CollectionDetailPublic,
    CollectionOrder,
    CollectionPublic,
    CollectionsPublic,
    CollectionUpdate,
    ItemRef,
)
from atelier.db.models import Collection
from atelier.services import collections
from atelier.services.visibility import Visibility

router = APIRouter(prefix="/api/collections", tags=["collections"], dependencies=[CsrfProtected])

CollectionId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such collection (or not yours)"}
}


def owned_collection(collection_id: CollectionId, user: CurrentUser, db: DbSession) -> Collection:
    """The signed-in person's collection with this id; 404 for anyone else's."""
    return collections.get_owned(db, user.id, collection_id)


OwnedCollection = Annotated[Collection, Depends(owned_collection)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a collection",
    responses={409: {"description": "you already have a collection with that name"}},
)
def create_collection(body: CollectionCreate, user: CurrentUser, db: DbSession) -> CollectionPublic:
    return CollectionPublic.of(collections.create(db, user.id, body.name))


@router.get("", summary="List your collections with their item counts")
def list_collections(user: CurrentUser, db: DbSession) -> CollectionsPublic:
    found = [CollectionPublic.of(s) for s in collections.list_owned(db, user.id)]
    return CollectionsPublic(data=found, count=len(found))


@router.get("/{collection_id}", summary="Get a collection with its items", responses=_NOT_FOUND)
def read_collection(
    collection: OwnedCollection, user: CurrentUser, db: DbSession
) -> CollectionDetailPublic:
    found = collections.detail(db, collection, Visibility.for_user(user))
    return CollectionDetailPublic.of_detail(found)


@router.patch("/{collection_id}", summary="Rename a collection", responses=_NOT_FOUND)
def rename_collection(
    body: CollectionUpdate, collection: OwnedCollection, db: DbSession
) -> CollectionPublic:
    return CollectionPublic.of(collections.rename(db, collection, body.name))


@router.delete(
    "/{collection_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a collection (the saved items themselves stay)",
    responses=_NOT_FOUND,
)
def delete_collection(collection: OwnedCollection, db: DbSession) -> None:
    collections.remove(db, collection)


@router.post(
    "/{collection_id}/items",
    status_code=status.HTTP_201_CREATED,
    summary="Add an image or LoRA to a collection",
    responses=_NOT_FOUND,
)
def add_item(
    body: ItemRef, collection: OwnedCollection, user: CurrentUser, db: DbSession
) -> CollectionDetailPublic:
    found = collections.add_item(
        db, collection, body.item_type, body.item_id, Visibility.for_user(user)
    )
    return CollectionDetailPublic.of_detail(found)


@router.delete(
    "/{collection_id}/items/{item_type}/{item_id}",
    summary="Remove an item from a collection",
    responses=_NOT_FOUND,
)
def remove_item(
    item_type: Literal["image", "lora"],
    item_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    collection: OwnedCollection,
    user: CurrentUser,
    db: DbSession,
) -> CollectionDetailPublic:
    found = collections.remove_item(db, collection, item_type, item_id, Visibility.for_user(user))
    return CollectionDetailPublic.of_detail(found)


@router.put(
    "/{collection_id}/order",
    summary="Reorder a collection (send every item, in the new order)",
    responses={**_NOT_FOUND, 422: {"description": "the list is not exactly the collection"}},
)
def reorder_collection(
    body: CollectionOrder, collection: OwnedCollection, user: CurrentUser, db: DbSession
) -> CollectionDetailPublic:
    order = [(ref.item_type, ref.item_id) for ref in body.items]
    found = collections.reorder(db, collection, order, Visibility.for_user(user))
    return CollectionDetailPublic.of_detail(found)
