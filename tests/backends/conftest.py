"""Fixtures for backend tests: a real Request Tracker (once per session) and loopback fakes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import requests
from backends import rt_server  # tests/ is on sys.path (pyproject pythonpath)
from backends.fakes.base import FakeAPI
from backends.fakes.github import FakeGitHub
from backends.fakes.gitlab import FakeGitLab
from backends.fakes.jira import FakeJira
from backends.fakes.openapi_check import OpenAPICheck
from backends.fakes.servicenow import FakeServiceNow

FakeT = TypeVar("FakeT", bound=FakeAPI)


@pytest.fixture(scope="session")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rt_server.RTServer]:
    """A real RT 5 on 127.0.0.1 (installed from Debian packages on first use, ~30 s)."""
    reason = rt_server.unavailable_reason()
    if reason:
        pytest.skip(reason)
    log_dir: Path = tmp_path_factory.mktemp("rt")
    try:
        server = rt_server.provision(log_dir)
    except RuntimeError as exc:
        pytest.skip(f"could not provision Request Tracker: {exc}")
    yield server
    server.stop()


@pytest.fixture
def rt_up(rt: rt_server.RTServer) -> rt_server.RTServer:
    """The RT server, (re)started if a previous test stopped it."""
    rt.start()
    return rt


@pytest.fixture
def rt_admin(rt_up: rt_server.RTServer) -> requests.Session:
    """A plain session as RT's root, to change tickets the way an IT agent would."""
    session = requests.Session()
    session.auth = (rt_up.user, rt_up.password)
    session.headers["Content-Type"] = "application/json"
    return session


def _served(fake: FakeT) -> Iterator[FakeT]:
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_servicenow() -> Iterator[FakeServiceNow]:
    yield from _served(FakeServiceNow())


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    yield from _served(FakeJira())


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """GitHub's fake; every request is checked against the vendored rest-api-description
    subset, and a request the description forbids fails the test."""
    fake = FakeGitHub()
    fake.validator = OpenAPICheck("github-rest-api-subset.yaml")
    yield from _served(fake)
    assert not fake.invalid, f"requests outside GitHub's OpenAPI description: {fake.invalid}"


@pytest.fixture
def fake_gitlab() -> Iterator[FakeGitLab]:
    """GitLab's fake; every request and every answer is checked against the description
    written from GitLab's documented REST pages (it publishes no OpenAPI for issues or
    notes), and anything outside it fails the test."""
    fake = FakeGitLab()
    fake.validator = OpenAPICheck("gitlab-rest-from-docs.yaml")
    yield from _served(fake)
    assert not fake.invalid, f"requests or answers outside GitLab's documented API: {fake.invalid}"
    assert not fake.validator.unchecked, f"undescribed calls: {fake.validator.unchecked}"


@pytest.fixture
def fake_jira_cloud() -> Iterator[FakeJira]:
    """Jira Cloud: the old search answers 410, search/jql lags (``search_lag``)."""
    yield from _served(FakeJira(deployment="Cloud"))
