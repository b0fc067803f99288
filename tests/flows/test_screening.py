"""The health check's outcome is the highest level answered, as the clinical guidance says."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.clinic import load_clinic
from contentfile import ContentError
from flows.screening import DEFAULT_SCREENING_FILE, Level, Questionnaire, load_questionnaire

GUIDANCE_IDS = {
    Level.URGENT: "rf_chest_breathing rf_stroke_signs rf_limb_clot rf_back_nerve",
    Level.CLEARANCE: "bp_180 bp_uncontrolled clot_recent blood_thinner bleeding surgery_recent "
    "heart kidney_liver cancer_active preg_high_risk injury_recent unexplained told_avoid "
    "unwell_now",
    Level.CAUTION: "pregnant bones varicose skin sensation devices allergies",
}


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load_questionnaire(DEFAULT_SCREENING_FILE, load_clinic().placeholders())


def test_every_item_of_the_guidance_is_asked_at_its_level(questionnaire: Questionnaire) -> None:
    for level, ids in GUIDANCE_IDS.items():
        for item_id in ids.split():
            item = questionnaire.item(item_id)
            assert item is not None, item_id
            assert item.level is level, item_id
            assert item.question and item.label
    first = questionnaire.checklists[0]
    assert {i.id for i in first.items} == set(GUIDANCE_IDS[Level.URGENT].split())
    assert questionnaire.item("unsure") is not None
    assert questionnaire.outcome(["unsure"]) is Level.CLEARANCE


@pytest.mark.parametrize(
    ("flags", "level"),
    [
        ([], Level.CLEAR),
        (["varicose"], Level.CAUTION),
        (["varicose", "pregnant", "skin", "allergies", "devices"], Level.CAUTION),
        (["blood_thinner"], Level.CLEARANCE),
        (["pregnant", "blood_thinner"], Level.CLEARANCE),
        (["unsure"], Level.CLEARANCE),
        (["varicose", "unsure"], Level.CLEARANCE),
        (["varicose", "rf_limb_clot"], Level.URGENT),
        (["bp_180", "heart", "rf_chest_breathing"], Level.URGENT),
    ],
)
def test_outcome_is_the_highest_level_and_cautions_never_add_up(
    questionnaire: Questionnaire, flags: list[str], level: Level
) -> None:
    assert questionnaire.outcome(flags) is level


def test_labels_are_listed_highest_level_first(questionnaire: Questionnaire) -> None:
    labels = questionnaire.labels(["varicose", "blood_thinner"])
    assert labels == ["Blood thinners", "Varicose veins"]


def test_urgent_messages_use_the_clinic_emergency_number(questionnaire: Questionnaire) -> None:
    emergency = load_clinic().text["emergency_number"]
    for key in ("urgent_emergency", "urgent_limb", "disclaimer"):
        assert emergency in questionnaire.messages[key]


def _edit(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "screening.yaml"
    text = DEFAULT_SCREENING_FILE.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("level: clearance", "level: severe", "entry 'bp_180': field 'level'"),
        ("id: varicose", "id: bones", "entry 'bones': field 'id': duplicate id"),
        ("message: urgent_limb", "message: urgent_leg", "entry 'rf_limb_clot': field 'message'"),
        ("{emergency} now", "{ambulance} now", "field 'urgent_emergency': unknown placeholder"),
    ],
)
def test_bad_questionnaire_is_reported_by_entry_and_field(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = _edit(tmp_path, old, new)
    with pytest.raises(ContentError) as caught:
        load_questionnaire(path, load_clinic().placeholders())
    assert expected in str(caught.value)
    assert str(caught.value).startswith(str(path))
