"""models.catalogue: learning outcomes and approved programmes kept as data (R01, R07, R08)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from models.catalogue import load_approved_programmes, load_catalogue, load_learning_outcomes
from models.enums import Pathway
from models.errors import CatalogueError
from models.pathways import PATHWAY_LEVEL
from tests.builders import STAND_IN_OUTCOMES, STAND_IN_PROGRAMMES, stand_in_catalogue


def stand_in(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, data: object, name: str = "catalogue.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def assert_names(error: pytest.ExceptionInfo[CatalogueError], path: Path, entry: str) -> None:
    message = str(error.value)
    assert str(path) in message
    assert f"'{entry}'" in message


# --- the stand-in files ----------------------------------------------------------------------


def test_r01_stand_in_catalogue_loads_with_outcomes_for_every_pathway() -> None:
    catalogue = load_catalogue(STAND_IN_OUTCOMES, STAND_IN_PROGRAMMES)
    assert set(catalogue.outcomes) == set(Pathway)
    assert all(catalogue.outcomes[p] for p in Pathway)
    assert "STAND-IN" in catalogue.outcomes_label
    assert "STAND-IN" in catalogue.programmes_label


@pytest.mark.parametrize("pathway", list(Pathway))
def test_r07_stand_in_lists_approved_programmes_at_the_pathway_level(pathway: Pathway) -> None:
    programmes = stand_in_catalogue().for_pathway(pathway).programmes
    assert programmes
    assert all(p.pathway == pathway for p in programmes)
    assert all(p.fheq_level == PATHWAY_LEVEL[pathway] for p in programmes)


def test_r08_pathway_catalogue_gives_outcome_codes_in_order_and_finds_programmes() -> None:
    ma = stand_in_catalogue().for_pathway(Pathway.MA_L4)
    assert ma.pathway == Pathway.MA_L4
    assert ma.outcome_codes()[0] == "MA4.1"
    assert ma.programme(ma.programmes[0].id) == ma.programmes[0]
    ap_id = stand_in_catalogue().for_pathway(Pathway.AP_L4).programmes[0].id
    assert ma.programme(ap_id) is None


def test_pathway_catalogue_round_trips_through_json() -> None:
    ap = stand_in_catalogue().for_pathway(Pathway.AP_L5)
    assert type(ap).model_validate_json(ap.model_dump_json()) == ap


# --- malformed learning outcomes -------------------------------------------------------------


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    with pytest.raises(CatalogueError, match="file not found") as error:
        load_learning_outcomes(path)
    assert str(path) in str(error.value)


def test_bad_json_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"label": "x", "pathways": {', encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid JSON") as error:
        load_learning_outcomes(path)
    assert str(path) in str(error.value)


def test_top_level_must_be_an_object(tmp_path: Path) -> None:
    path = write(tmp_path, [1, 2])
    with pytest.raises(CatalogueError, match="top level must be an object"):
        load_approved_programmes(path)


@pytest.mark.parametrize("label", [None, "", "   ", 7])
def test_missing_label_is_refused(tmp_path: Path, label: object) -> None:
    data = stand_in(STAND_IN_OUTCOMES)
    if label is None:
        del data["label"]
    else:
        data["label"] = label
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError) as error:
        load_learning_outcomes(path)
    assert_names(error, path, "label")


@pytest.mark.parametrize("title", ["", "   "])
def test_outcome_with_empty_title_names_the_entry(tmp_path: Path, title: str) -> None:
    data = stand_in(STAND_IN_OUTCOMES)
    data["pathways"]["MA_L4"][2]["title"] = title
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError, match="title") as error:
        load_learning_outcomes(path)
    assert_names(error, path, "pathways.MA_L4[2]")


def test_outcome_with_missing_code_names_the_entry(tmp_path: Path) -> None:
    data = stand_in(STAND_IN_OUTCOMES)
    del data["pathways"]["AP_L5"][0]["code"]
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError, match="code") as error:
        load_learning_outcomes(path)
    assert_names(error, path, "pathways.AP_L5[0]")


def test_outcome_with_unexpected_field_is_refused(tmp_path: Path) -> None:
    data = stand_in(STAND_IN_OUTCOMES)
    data["pathways"]["AP_L4"][1]["titel"] = "typo"
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError) as error:
        load_learning_outcomes(path)
    assert_names(error, path, "pathways.AP_L4[1]")


def test_duplicate_outcome_code_names_the_repeated_entry(tmp_path: Path) -> None:
    data = stand_in(STAND_IN_OUTCOMES)
    outcomes = data["pathways"]["AP_L4"]
    outcomes[3]["code"] = outcomes[0]["code"]
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError, match=re.escape(outcomes[0]["code"])) as error:
        load_learning_outcomes(path)
    assert_names(error, path, "pathways.AP_L4[3]")
    assert "duplicate" in str(error.value)


def test_unknown_pathway_is_refused(tmp_path: Path) -> None:
    data = stand_in(STAND_IN_OUTCOMES)
    data["pathways"]["RAD_L6"] = data["pathways"]["AP_L5"]
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError, match="RAD_L6") as error:
        load_learning_outcomes(path)
    assert_names(error, path, "pathways")


@pytest.mark.parametrize("outcomes", ["absent", [], "not a list"])
def test_missing_pathway_names_it(tmp_path: Path, outcomes: object) -> None:
    data = stand_in(STAND_IN_OUTCOMES)
    if outcomes == "absent":
        del data["pathways"]["AP_L5"]
    else:
        data["pathways"]["AP_L5"] = outcomes
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError, match="no outcomes listed") as error:
        load_learning_outcomes(path)
    assert_names(error, path, "pathways.AP_L5")


def test_pathways_must_be_an_object(tmp_path: Path) -> None:
    path = write(tmp_path, {"label": "x", "pathways": []})
    with pytest.raises(CatalogueError) as error:
        load_learning_outcomes(path)
    assert_names(error, path, "pathways")


# --- malformed approved programmes -----------------------------------------------------------


@pytest.mark.parametrize("level", ["7", "", None, 4])
def test_programme_with_bad_level_names_the_entry(tmp_path: Path, level: object) -> None:
    data = stand_in(STAND_IN_PROGRAMMES)
    data["programmes"][1]["fheq_level"] = level
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError, match="fheq_level") as error:
        load_approved_programmes(path)
    assert_names(error, path, "programmes[1]")


def test_programme_level_must_fit_its_pathway(tmp_path: Path) -> None:
    data = stand_in(STAND_IN_PROGRAMMES)
    index = next(i for i, p in enumerate(data["programmes"]) if p["pathway"] == "AP_L5")
    data["programmes"][index]["fheq_level"] = "4"
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError, match="fheq_level") as error:
        load_approved_programmes(path)
    assert_names(error, path, f"programmes[{index}]")


def test_programme_with_unknown_pathway_names_the_entry(tmp_path: Path) -> None:
    data = stand_in(STAND_IN_PROGRAMMES)
    data["programmes"][0]["pathway"] = "RAD_L6"
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError, match="pathway") as error:
        load_approved_programmes(path)
    assert_names(error, path, "programmes[0]")


@pytest.mark.parametrize("field", ["title", "provider", "id"])
def test_programme_with_empty_text_names_the_entry(tmp_path: Path, field: str) -> None:
    data = stand_in(STAND_IN_PROGRAMMES)
    data["programmes"][2][field] = " "
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError, match=field) as error:
        load_approved_programmes(path)
    assert_names(error, path, "programmes[2]")


def test_duplicate_programme_id_names_the_repeated_entry(tmp_path: Path) -> None:
    data = stand_in(STAND_IN_PROGRAMMES)
    data["programmes"][4]["id"] = data["programmes"][0]["id"]
    path = write(tmp_path, data)
    with pytest.raises(CatalogueError, match="duplicate") as error:
        load_approved_programmes(path)
    assert_names(error, path, "programmes[4]")
    assert data["programmes"][0]["id"] in str(error.value)


def test_programmes_must_be_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, {"label": "x", "programmes": {}})
    with pytest.raises(CatalogueError) as error:
        load_approved_programmes(path)
    assert_names(error, path, "programmes")


def test_load_catalogue_stops_at_a_bad_programmes_file(tmp_path: Path) -> None:
    path = write(tmp_path, {"programmes": []}, "programmes.json")
    with pytest.raises(CatalogueError) as error:
        load_catalogue(STAND_IN_OUTCOMES, path)
    assert_names(error, path, "label")
