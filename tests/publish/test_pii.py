"""Masking and hashing of contact data (pipelines.history.pii), evaluated by DuckDB as in a run."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from pipelines.history.pii import install_pii_macros


@pytest.fixture(scope="module")
def conn() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    install_pii_macros(connection)
    return connection


@pytest.mark.parametrize(
    "name, masked",
    [
        ("张三", "张*"),  # the guides' example
        ("欧阳娜娜", "欧***"),  # one star per hidden character, not per byte
        ("重庆瑞丰建设有限公司", "重*********"),  # enterprise names are masked the same way
        ("张", "*"),  # a one-character name would otherwise be shown whole
        ("John Smith", "J*********"),
        ("", None),
        (None, None),
    ],
)
def test_mask_name_keeps_only_the_first_character(
    conn: duckdb.DuckDBPyConnection, name: str, masked: str
) -> None:
    assert conn.execute("select mask_name(?)", [name]).fetchone()[0] == masked


@pytest.mark.parametrize(
    "phone, masked",
    [
        ("+8613812341234", "138****1234"),  # Chinese mobile in E.164, as stg_crm__customers has it
        ("+861012345678", "101***5678"),  # Chinese landline: national number, area code first
        ("+442079460958", "442*****0958"),  # other countries: the digits including the country code
        ("+861234567", "*******"),  # too short to show 7 digits: nothing shown
        (None, None),
    ],
)
def test_mask_phone_keeps_first_three_and_last_four_digits(
    conn: duckdb.DuckDBPyConnection, phone: str, masked: str
) -> None:
    assert conn.execute("select mask_phone(?)", [phone]).fetchone()[0] == masked


def test_contact_hash_is_the_salted_sha256_of_email_else_phone(conn: duckdb.DuckDBPyConnection) -> None:
    def expected(value: str) -> str:
        return hashlib.sha256(f"pepper{value}".encode()).hexdigest()

    rows = conn.execute(
        "select contact_hash('pepper', email, phone), contact_hash_basis(email, phone) from (values "
        "('a@b.cn', '+8613800000000'), (null, '+8613800000000'), (null, null)) as t(email, phone)"
    ).fetchall()
    assert rows == [(expected("a@b.cn"), "email"), (expected("+8613800000000"), "phone"), (None, None)]
    other_salt = conn.execute("select contact_hash('salt', 'a@b.cn', null)").fetchone()[0]
    assert other_salt != expected("a@b.cn")
