"""The optimisation screen on SQLite: the scenario method on a synthetic company's stored FIRE
business gives, row by row, the figures of ``assurdb optimise --db --format json``; the frontier
picture draws every scenario and joins the efficient ones; refusals are shown in words."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

import assurdb
from assurdb.cli import main
from assurdb.domain.synthetic import load_synthetic_company
from assurdb.web import create_app
from tests.conftest import ADMIN_PASSWORD
from tests.web.conftest import log_in

SEED, INSURED = 5, 250
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('optimisation') / 'company.db'}"
    db = assurdb.create(url, admin_password=ADMIN_PASSWORD)
    with db.login("admin", ADMIN_PASSWORD) as session:
        load_synthetic_company(session, seed=SEED, insured=INSURED)
        assert session.add_user("nobody", "nobody-secret").ok
    yield url, db
    db.close()


@pytest.fixture(scope="module")
def client(company: tuple[str, Any]) -> Iterator[TestClient]:
    _, db = company
    with TestClient(create_app(db.schema, db.login, secret="test-secret")) as client:
        home = log_in(client, "admin", ADMIN_PASSWORD)
        assert 'href="/optimisation"' in home.text  # the home screen leads to it
        yield client


def rows_of(page: str) -> list[list[str]]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[html.unescape(c).strip() for c in CELL.findall(row)] for row in ROW.findall(body)]


def amount(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def test_the_scenarios_and_the_frontier_of_the_stored_fire_business(
    company: tuple[str, Any], client: TestClient
) -> None:
    url, _ = company
    page = client.get("/optimisation", params={"class_of_business": "FIRE", "action": "show"})
    assert page.status_code == 200, page.text
    result = CliRunner().invoke(
        main,
        ["optimise", "--db", url, "--password", ADMIN_PASSWORD, "--class", "FIRE", "--format", "json", "--no-pictures"],
        env={"ASSURDB_URL": None},
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)

    rows = rows_of(page.text)
    assert len(rows) == len(figures["rows"]) >= 10
    for shown, row in zip(rows, figures["rows"], strict=True):
        assert shown[:3] == [amount(row["retention"]), amount(row["retention_result"]), amount(row["scr"])]
        assert shown[3] == f"{100 * row['loss_ratio']:.2f} %"
        assert (shown[6] == "ok") == row["feasible"]
        assert shown[7] == " ".join(f"<{rule}>" for rule in sorted(row["chosen"].split()))
    chosen = [shown[0] for shown in rows if shown[7]]
    assert set(chosen) == {amount(v) for v in figures["chosen"].values()}
    assert f"Retention chosen: {amount(figures['retention'])} EUR" in page.text

    # the picture: one point per scenario, the efficient ones joined (rising risk, rising result)
    svg = page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    circle = r'<circle cx="([\d.]+)" cy="([\d.]+)" r="\d" class="(efficient|scenario|outside)" data-retention="([^"]+)"'
    points = re.findall(circle, svg)
    assert [p[3] for p in points] == [shown[0] for shown in rows]
    assert [p[2] == "outside" for p in points] == [not row["feasible"] for row in figures["rows"]]
    # efficient: within the appetite, and no other scenario within it as good for less risk
    within = [row for row in figures["rows"] if row["feasible"]]
    expected = [
        amount(row["retention"])
        for row in figures["rows"]
        if row["feasible"]
        and not any(
            o["scr"] <= row["scr"]
            and o["retention_result"] >= row["retention_result"]
            and (o["scr"], o["retention_result"]) != (row["scr"], row["retention_result"])
            for o in within
        )
    ]
    assert expected and [p[3] for p in points if p[2] == "efficient"] == expected
    assert [s[0] for s in rows if s[5] == "efficient"] == expected
    efficient = [(float(x), float(y)) for x, y, kind, _ in points if kind == "efficient"]
    polyline = re.search(r'<polyline points="([^"]+)"', svg)
    assert polyline is not None
    joined = [tuple(float(v) for v in pair.split(",")) for pair in polyline.group(1).split()]
    assert joined == sorted(efficient)
    assert [y for _, y in joined] == sorted((y for _, y in joined), reverse=True)  # higher result: smaller y
    assert svg.count('class="chosen"') == len(set(chosen))


def test_the_default_class_and_the_refusals(client: TestClient) -> None:
    empty = client.get("/optimisation", params={"class_of_business": "", "action": "show"})
    assert empty.status_code == 200 and 'value="FIRE"' in empty.text  # the class the command takes

    none = client.get("/optimisation", params={"class_of_business": "<b>HULL</b>", "action": "show"})
    assert none.status_code == 422
    error = re.search(r'id="screen-error">([^<]*)<', none.text)
    assert error is not None and "no term of class '<b>HULL</b>'" in html.unescape(error.group(1))
    assert "<svg" not in none.text.split("</form>", 1)[1] and "<b>HULL" not in none.text

    form = client.get("/optimisation")
    assert form.status_code == 200 and 'action="/optimisation"' in form.text and "<table" not in form.text


def test_a_user_without_rights_is_refused_in_words(company: tuple[str, Any]) -> None:
    _, db = company
    with TestClient(create_app(db.schema, db.login, secret="test-secret")) as client:
        log_in(client, "nobody", "nobody-secret")
        page = client.get("/optimisation", params={"class_of_business": "FIRE", "action": "show"})
    assert page.status_code == 422
    assert re.search(r'id="screen-error">cannot open \w+', page.text), page.text[-2000:]
