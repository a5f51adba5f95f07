"""Public reference data: each pathway's learning outcomes and approved programmes."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CatalogueDep
from models.catalogue import PathwayCatalogue
from models.enums import Pathway

router = APIRouter(prefix="/catalogue", tags=["catalogue"])


@router.get("/{pathway}")
def read_catalogue(pathway: Pathway, catalogue: CatalogueDep) -> PathwayCatalogue:
    """The learning outcomes and approved programmes of one pathway."""
    return catalogue.for_pathway(pathway)
