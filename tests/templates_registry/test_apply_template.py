"""apply_template against the database: lookups, pins, activation, scope, variable errors.

apply_template reads through sync_to_async on another thread, so these tests commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from proxy.errors import GatewayError
from proxy.models import Team
from templates_registry import services
from templates_registry.integration import apply_template as _apply_template
from templates_registry.lookup import TemplateDirectory
from templates_registry.models import PromptTemplateVersion
from tests.templates_registry.conftest import save
from tests.templates_registry.test_rendering import request

pytestmark = pytest.mark.django_db(transaction=True)
T = TypeVar("T")


class _ClosingDirectory(TemplateDirectory):
    """Each worker thread opens its own connection; close it, or the test database cannot be dropped."""

    def load(self, team_id: int, name: str, pinned: int | None) -> Any:
        try:
            return super().load(team_id, name, pinned)
        finally:
            connection.close()


# One directory per test, as one gateway process has one: what a test changes must reach it.
_directory: list[TemplateDirectory] = []


@pytest.fixture(autouse=True)
def _templates() -> Iterator[None]:
    _directory.append(_ClosingDirectory())
    yield
    _directory.clear()


async def apply_template(req: Any, team_id: int) -> Any:
    return await _apply_template(req, team_id, _directory[-1])


async def test_missing_and_unknown_variables_are_a_400_naming_them(alpha: Team) -> None:
    await _save(alpha)
    with pytest.raises(GatewayError, match=r"requires variable\(s\) \['product'\]") as missing:
        await apply_template(request(), alpha.pk)
    assert (missing.value.http_status, missing.value.param) == (400, "lc_template_vars")
    with pytest.raises(GatewayError, match="does not declare"):
        await apply_template(request(variables={"product": "x", "colour": "red"}), alpha.pk)


async def test_a_pinned_version_is_used_even_when_another_is_active(alpha: Team) -> None:
    await _save(alpha)
    await _save(alpha, L1=[{"role": "system", "content": "Policy two."}])
    pinned = await apply_template(request(template="support@1", variables={"product": "x"}), alpha.pk)
    current = await apply_template(request(variables={"product": "x"}), alpha.pk)
    assert (pinned.template_version, current.template_version) == ("support@1", "support@2")
    assert pinned.messages[1].content == "Policy: be kind." and current.messages[1].content == "Policy two."


async def test_activation_is_seen_by_the_next_request(alpha: Team) -> None:
    await _save(alpha)
    await _save(alpha, L1=[{"role": "system", "content": "Policy two."}])
    assert (await apply_template(request(variables={"product": "x"}), alpha.pk)).template_version == "support@2"
    await _activate(alpha, 1)
    assert (await apply_template(request(variables={"product": "x"}), alpha.pk)).template_version == "support@1"


async def test_another_teams_template_is_unknown(alpha: Team, gamma: Team) -> None:
    await _save(alpha)
    with pytest.raises(GatewayError, match="Unknown prompt template 'support'"):
        await apply_template(request(variables={"product": "x"}), gamma.pk)


async def test_vars_without_a_template_are_refused(alpha: Team) -> None:
    with pytest.raises(GatewayError, match="without lc_template"):
        await apply_template(request(template=None, variables={"product": "x"}), alpha.pk)


def _closing(work: Callable[[], T]) -> T:
    try:
        return work()
    finally:
        connection.close()


async def _save(team: Team, **overrides: Any) -> services.SaveResult:
    return await sync_to_async(_closing)(lambda: save(team, **overrides))


async def _activate(team: Team, number: int) -> None:
    def activate() -> None:
        services.activate(PromptTemplateVersion.objects.get(template__team=team, version=number))

    await sync_to_async(_closing)(activate)
