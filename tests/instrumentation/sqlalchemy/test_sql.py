"""What telemetry may say about a statement: no literal survives, the shape stays readable."""

from __future__ import annotations

import pytest

from huleedu_otel.sqlalchemy._sql import StatementSummary, summarize


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "SELECT * FROM users WHERE email = 'bob@example.com'",
            "SELECT * FROM users WHERE email = ?",
        ),
        ("UPDATE t SET n = 42, f = 3.5e2 WHERE id = -7", "UPDATE t SET n = ?, f = ? WHERE id = -?"),
        ("SELECT E'it''s', $$dollar 5$$, $tag$x$tag$", "SELECT ?, ?, ?"),
        ("SELECT a FROM t WHERE id IN (1, 2, 3)", "SELECT a FROM t WHERE id IN (?)"),
        (
            "SELECT a FROM t WHERE id IN ($1::INTEGER, $2::INTEGER)",
            "SELECT a FROM t WHERE id IN (?)",
        ),
        (
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)",
            "INSERT INTO t (a, b) VALUES ($1, $2)",
        ),
        ("SELECT 1 -- password='hunter2'\n", "SELECT ?"),
        ("SELECT 0x1F, x'0a', t2.c3 FROM t2", "SELECT ?, ?, t2.c3 FROM t2"),
        ("/* user 99 */ DELETE FROM t WHERE x = :x", "DELETE FROM t WHERE x = :x"),
        (
            'SELECT "col1" FROM "Table2" WHERE t2.c3 = %(p)s',
            'SELECT "col1" FROM "Table2" WHERE t2.c3 = %(p)s',
        ),
    ],
)
def test_literals_and_comments_are_replaced_placeholders_and_names_kept(
    statement: str, expected: str
) -> None:
    """Strings, numbers, dollar quotes, IN-lists, VALUES rows and comments; never identifiers."""
    assert expected == summarize(statement).text


@pytest.mark.parametrize(
    ("statement", "operation", "collection"),
    [
        ("select * from users where id = $1", "SELECT", "users"),
        ("INSERT INTO public.essays (id) VALUES (?)", "INSERT", "public.essays"),
        ('UPDATE "Essays" SET x = ?', "UPDATE", "Essays"),
        ("DELETE FROM t WHERE id = ?", "DELETE", "t"),
        ("CREATE TABLE IF NOT EXISTS t2 (id int)", "CREATE", "t2"),
        ("SELECT a.x FROM a JOIN b ON a.id = b.id", "SELECT", None),
        ("SELECT * FROM a, b", "SELECT", None),
        ("SELECT 1", "SELECT", None),
        ("", None, None),
    ],
)
def test_operation_and_single_collection_are_found(
    statement: str, operation: str | None, collection: str | None
) -> None:
    """A collection is named only when the statement works on exactly one."""
    summary = summarize(statement)
    assert (operation, collection) == (summary.operation, summary.collection)


def test_long_statements_are_redacted_too() -> None:
    """Past the cache's length limit the same redaction applies."""
    statement = "INSERT INTO t (a) VALUES " + ", ".join(f"('{n}')" for n in range(2_000))
    assert summarize(statement).text == "INSERT INTO t (a) VALUES (?)"


def test_span_name_is_operation_and_collection_or_the_operation_alone() -> None:
    assert StatementSummary("SELECT", "users", "").span_name == "SELECT users"
    assert StatementSummary("SELECT", None, "").span_name == "SELECT"
    assert StatementSummary(None, None, "").span_name is None
