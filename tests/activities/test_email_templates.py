from __future__ import annotations

import pytest
from jinja2 import meta
from temporalio.exceptions import ApplicationError

from activities.email_templates import (
    GLOBAL_KEYS,
    TEMPLATE_KEYS,
    TEMPLATES_DIR,
    EmailTemplates,
    long_date,
)

TEMPLATES = EmailTemplates("https://portal.example")


def sample_context(template: str) -> dict[str, str]:
    return {key: f"2027-03-0{len(key) % 9 + 1}" for key in TEMPLATE_KEYS[template]}


def test_every_template_file_is_documented() -> None:
    files = {path.name.removesuffix(".txt.j2") for path in TEMPLATES_DIR.glob("*.txt.j2")}
    assert files == set(TEMPLATE_KEYS)


@pytest.mark.parametrize("template", sorted(TEMPLATE_KEYS))
def test_documented_keys_are_exactly_the_keys_used(template: str) -> None:
    environment = TEMPLATES.environment
    assert environment.loader is not None
    source, _, _ = environment.loader.get_source(environment, f"{template}.txt.j2")
    used = meta.find_undeclared_variables(environment.parse(source))

    assert used - GLOBAL_KEYS == TEMPLATE_KEYS[template]


@pytest.mark.parametrize("template", sorted(TEMPLATE_KEYS))
def test_every_template_renders_with_its_documented_keys(template: str) -> None:
    email = TEMPLATES.render(template, "Sam Applicant", sample_context(template))

    assert "CoR accreditation" in email.subject
    assert "\n" not in email.subject
    assert email.body.startswith("Dear Sam Applicant,\n\n")
    assert email.body.rstrip().endswith(("The CoR accreditation team", "accreditation service"))
    assert "{{" not in email.body


def test_a_missing_context_key_is_a_non_retryable_error_naming_it() -> None:
    context = sample_context("declaration_invitation")
    del context["link"]

    with pytest.raises(ApplicationError) as caught:
        TEMPLATES.render("declaration_invitation", "Pat Manager", context)

    assert caught.value.non_retryable
    assert caught.value.type == "TemplateContextMissing"
    assert "declaration_invitation" in str(caught.value)
    assert "'link'" in str(caught.value)


@pytest.mark.parametrize("template", ["no_such_template", "../templates/deferral"])
def test_an_unknown_template_is_a_non_retryable_error_naming_it(template: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        TEMPLATES.render(template, "Sam", {})

    assert caught.value.non_retryable
    assert caught.value.type == "TemplateNotFound"
    assert template in str(caught.value)


def test_plain_text_is_not_html_escaped() -> None:
    email = TEMPLATES.render(
        "allocation_needed", "Officers", {"application_id": "A-1", "reason": "O'Brien & Co <x>"}
    )
    assert "O'Brien & Co <x>" in email.body


def test_deferral_shows_feedback_and_a_long_date() -> None:
    email = TEMPLATES.render(
        "deferral",
        "Sam",
        {
            "application_id": "A-1",
            "feedback": "AP4.1: add a reflective log",
            "resubmit_by": "2027-09-01",
        },
    )
    assert "AP4.1: add a reflective log" in email.body
    assert "by 1 September 2027" in email.body


@pytest.mark.parametrize(
    ("value", "shown"), [("2028-02-29", "29 February 2028"), ("not set", "not set"), ("", "")]
)
def test_long_date(value: str, shown: str) -> None:
    assert long_date(value) == shown
