"""Learning outcomes and approved programmes, kept as data (SCHEME.md, R07, R08, R16).

The project ships stand-in catalogues written for it (the CoR text is licensed); the real ones
are loaded from configured paths in the same format.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.enums import FheqLevel, Pathway
from models.errors import CatalogueError
from models.pathways import PATHWAY_LEVEL


class LearningOutcome(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1)
    title: str = Field(min_length=1)


class ApprovedProgramme(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    provider: str = Field(min_length=1)
    pathway: Pathway
    fheq_level: FheqLevel


class PathwayCatalogue(BaseModel):
    """What one pathway's rules are checked against; travels in a workflow's input."""

    model_config = ConfigDict(frozen=True)

    pathway: Pathway
    label: str
    outcomes: list[LearningOutcome]
    programmes: list[ApprovedProgramme]

    def outcome_codes(self) -> list[str]:
        return [o.code for o in self.outcomes]

    def programme(self, programme_id: str) -> ApprovedProgramme | None:
        return next((p for p in self.programmes if p.id == programme_id), None)


class Catalogue(BaseModel):
    """Both data sets for every pathway, as loaded at start-up."""

    model_config = ConfigDict(frozen=True)

    outcomes_label: str
    programmes_label: str
    outcomes: dict[Pathway, list[LearningOutcome]]
    programmes: list[ApprovedProgramme]

    def for_pathway(self, pathway: Pathway) -> PathwayCatalogue:
        return PathwayCatalogue(
            pathway=pathway,
            label=self.outcomes_label,
            outcomes=self.outcomes[pathway],
            programmes=[p for p in self.programmes if p.pathway == pathway],
        )


def _read_json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise CatalogueError(f"{path}: file not found") from err
    except json.JSONDecodeError as err:
        raise CatalogueError(f"{path}: not valid JSON ({err})") from err
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}: the top level must be an object")
    return data


def _label(path: Path, data: dict[str, object]) -> str:
    label = data.get("label")
    if not isinstance(label, str) or not label.strip():
        raise CatalogueError(f"{path}: entry 'label': a non-empty description is required")
    return label


def _first_repeat(keys: list[str]) -> tuple[int, str] | None:
    """The index and key of the first entry whose key an earlier entry already has."""
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            return i, key
        seen.add(key)
    return None


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def load_learning_outcomes(path: Path) -> tuple[str, dict[Pathway, list[LearningOutcome]]]:
    """Read a learning-outcome catalogue: ``{"label": ..., "pathways": {"MA_L4": [...], ...}}``.

    Raises:
        CatalogueError: naming the file and the first bad entry.
    """
    data = _read_json(path)
    label = _label(path, data)
    pathways = data.get("pathways")
    if not isinstance(pathways, dict):
        raise CatalogueError(f"{path}: entry 'pathways': an object keyed by pathway is required")
    result: dict[Pathway, list[LearningOutcome]] = {}
    for pathway in Pathway:
        entries = pathways.get(pathway.value)
        if not isinstance(entries, list) or not entries:
            raise CatalogueError(f"{path}: entry 'pathways.{pathway.value}': no outcomes listed")
        outcomes: list[LearningOutcome] = []
        for i, entry in enumerate(entries):
            try:
                outcomes.append(LearningOutcome.model_validate(entry))
            except ValidationError as err:
                raise CatalogueError(
                    f"{path}: entry 'pathways.{pathway.value}[{i}]': {_first_error(err)}"
                ) from err
        repeat = _first_repeat([o.code for o in outcomes])
        if repeat:
            raise CatalogueError(
                f"{path}: entry 'pathways.{pathway.value}[{repeat[0]}]': "
                f"duplicate code {repeat[1]!r}"
            )
        result[pathway] = outcomes
    unknown = sorted(set(pathways) - {p.value for p in Pathway})
    if unknown:
        raise CatalogueError(f"{path}: entry 'pathways': unknown pathways {unknown}")
    return label, result


def load_approved_programmes(path: Path) -> tuple[str, list[ApprovedProgramme]]:
    """Read the approved-programme list: ``{"label": ..., "programmes": [...]}``.

    Raises:
        CatalogueError: naming the file and the first bad entry.
    """
    data = _read_json(path)
    label = _label(path, data)
    entries = data.get("programmes")
    if not isinstance(entries, list):
        raise CatalogueError(f"{path}: entry 'programmes': a list is required")
    programmes: list[ApprovedProgramme] = []
    for i, entry in enumerate(entries):
        try:
            programme = ApprovedProgramme.model_validate(entry)
        except ValidationError as err:
            raise CatalogueError(f"{path}: entry 'programmes[{i}]': {_first_error(err)}") from err
        level = PATHWAY_LEVEL[programme.pathway]
        if programme.fheq_level != level:
            # R01/R02: a pathway's level is the FHEQ level of the qualification.
            raise CatalogueError(
                f"{path}: entry 'programmes[{i}]': fheq_level: the {programme.pathway.value} "
                f"pathway needs Level {level.value}, not {programme.fheq_level.value!r}"
            )
        programmes.append(programme)
    repeat = _first_repeat([p.id for p in programmes])
    if repeat:
        raise CatalogueError(f"{path}: entry 'programmes[{repeat[0]}]': duplicate id {repeat[1]!r}")
    return label, programmes


def load_catalogue(outcomes_path: Path, programmes_path: Path) -> Catalogue:
    """Load and check both catalogue files (at start-up: a bad file stops the process)."""
    outcomes_label, outcomes = load_learning_outcomes(outcomes_path)
    programmes_label, programmes = load_approved_programmes(programmes_path)
    return Catalogue(
        outcomes_label=outcomes_label,
        programmes_label=programmes_label,
        outcomes=outcomes,
        programmes=programmes,
    )
