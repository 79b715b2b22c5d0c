"""Versioning rules: numbering, one active version (by the database), immutability, scope."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from proxy.models import Team
from templates_registry import services
from templates_registry.models import ImmutableVersionError, PromptTemplate, PromptTemplateVersion
from templates_registry.spec import parse_spec
from tests.templates_registry.conftest import save


def test_a_new_template_gets_version_1_active(alpha: Team) -> None:
    result = save(alpha)
    assert result.action is services.Action.CREATED
    assert (result.version.version, result.version.active) == (1, True)


def test_changed_content_creates_the_next_version_and_activates_it(alpha: Team) -> None:
    save(alpha)
    result = save(alpha, L1=[{"role": "system", "content": "Policy: be brief."}])
    assert result.action is services.Action.NEW_VERSION
    template = result.template
    assert list(template.versions.order_by("version").values_list("version", "active")) == [(1, False), (2, True)]


def test_saving_identical_content_creates_nothing(alpha: Team) -> None:
    first = save(alpha)
    again = save(alpha)
    assert again.action is services.Action.UNCHANGED
    assert again.version.pk == first.version.pk
    assert PromptTemplateVersion.objects.count() == 1


def test_a_description_change_alone_updates_the_template_not_the_versions(alpha: Team) -> None:
    save(alpha)
    result = save(alpha, description="Better words")
    assert result.action is services.Action.UPDATED
    assert result.template.description == "Better words"
    assert PromptTemplateVersion.objects.count() == 1


def test_posting_old_content_again_rolls_back_to_that_version(alpha: Team) -> None:
    save(alpha)
    save(alpha, L1=[{"role": "system", "content": "v2"}])
    result = save(alpha)
    assert result.action is services.Action.ACTIVATED
    assert (result.version.version, result.template.active_version().version) == (1, 1)  # type: ignore[union-attr]


def test_activate_switches_the_active_version(alpha: Team) -> None:
    save(alpha)
    save(alpha, L1=[{"role": "system", "content": "v2"}])
    v1 = PromptTemplateVersion.objects.get(version=1)
    assert services.activate(v1) is True
    assert services.activate(v1) is False
    assert list(PromptTemplateVersion.objects.active().values_list("version", flat=True)) == [1]


def test_a_new_version_may_be_stored_without_activating_it(alpha: Team) -> None:
    template = save(alpha).template
    result = services.save_spec(alpha.pk, parse_spec({"name": "support", "L0": "Other"}), activate=False)
    assert (result.version.version, result.version.active) == (2, False)
    assert template.active_version().version == 1  # type: ignore[union-attr]


def test_the_database_refuses_two_active_versions(alpha: Team) -> None:
    save(alpha)
    save(alpha, L1=[{"role": "system", "content": "v2"}])
    with pytest.raises(IntegrityError, match="template_version_one_active"), transaction.atomic():
        PromptTemplateVersion.objects.update(active=True)


def test_the_database_refuses_a_duplicate_version_number(alpha: Team) -> None:
    template = save(alpha).template
    with pytest.raises(IntegrityError, match="template_version_unique_number"), transaction.atomic():
        PromptTemplateVersion.objects.create(template=template, version=1, content_hash="x")


def test_a_saved_version_refuses_content_changes(alpha: Team) -> None:
    version = save(alpha).version
    version.l0 = [{"role": "system", "content": "sneaky edit"}]
    with pytest.raises(ImmutableVersionError, match="l0"):
        version.save()
    version.refresh_from_db()
    assert version.l0 == [{"role": "system", "content": "You support {{product}}."}]


def test_a_saved_versions_note_is_not_content_and_may_be_corrected(alpha: Team) -> None:
    version = save(alpha).version
    version.note = "documented later"
    version.save()  # the note is not content: allowed
    assert PromptTemplateVersion.objects.get(pk=version.pk).note == "documented later"


def test_global_template_names_are_unique(db: None) -> None:
    PromptTemplate.objects.create(name="shared")
    with pytest.raises(IntegrityError, match="template_unique_global_name"), transaction.atomic():
        PromptTemplate.objects.create(name="shared")


def test_for_team_sees_its_own_and_global_templates_only(alpha: Team, gamma: Team) -> None:
    save(alpha, "alpha-only")
    save(gamma, "gamma-only")
    save(None, "everyone")
    assert sorted(PromptTemplate.objects.for_team(alpha.pk).values_list("name", flat=True)) == [
        "alpha-only",
        "everyone",
    ]


def test_a_teams_template_shadows_a_global_one_of_the_same_name(alpha: Team, gamma: Team) -> None:
    save(None, "support")
    own = save(alpha, "support", description="ours").template
    assert services.find_template(alpha.pk, "support") == own
    assert services.find_template(gamma.pk, "support").is_global  # type: ignore[union-attr]


def test_archiving_hides_a_template_but_keeps_its_history(alpha: Team) -> None:
    template = save(alpha).template
    services.archive(template)
    assert services.find_template(alpha.pk, "support") is None
    assert services.find_template(alpha.pk, "support", include_archived=True) == template
    assert template.versions.count() == 1
