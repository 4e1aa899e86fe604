"""Reading single cells: the pure rules behind every column."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from sanfang.registry import cells
from sanfang.registry.tests.helpers import pid


def err(fn, *args, **kwargs) -> str:
    with pytest.raises(cells.CellError) as info:
        fn(*args, **kwargs)
    return info.value.code


def test_codes_from_excel_numbers_lose_the_float():
    assert cells.code(101.0) == "101"
    assert cells.code(7) == "7"
    assert cells.code("  A-1 ") == "A-1"
    assert cells.code("   ") is None
    assert err(cells.code, "x" * 33, max_length=32) == "too_long"


def test_integers_accept_integral_floats_only():
    assert cells.integer(12.0) == 12
    assert cells.integer("1,200") == 1200
    assert cells.integer("") is None
    assert err(cells.integer, 6.5) == "bad_number"
    assert err(cells.integer, "六") == "bad_number"
    assert err(cells.integer, 1899, minimum=1900, maximum=2100) == "bad_number"
    assert err(cells.integer, True) == "bad_number"


def test_decimals_are_exact_with_a_limit_on_places():
    assert cells.decimal(88.5) == Decimal("88.50")
    assert cells.decimal("88.55") == Decimal("88.55")
    # A formula's float noise reads at Excel's display precision.
    assert cells.decimal(26.549999999999997) == Decimal("26.55")
    assert err(cells.decimal, 88.123, code_="bad_area") == "bad_area"
    assert err(cells.decimal, "abc") == "bad_number"
    assert err(cells.decimal, 1e12, max_digits=10) == "bad_number"
    assert cells.decimal(120.123456, places=6, max_digits=9) == Decimal("120.123456")


def test_dates_from_excel_or_iso_text():
    assert cells.day(date(2024, 1, 31)) == date(2024, 1, 31)
    assert cells.day(datetime(2024, 1, 31, 0, 0)) == date(2024, 1, 31)
    assert cells.day("2024-01-31") == date(2024, 1, 31)
    assert cells.day("2024/1/5") == date(2024, 1, 5)
    assert err(cells.day, "2024-13-01") == "bad_date"
    assert err(cells.day, "31.01.24") == "bad_date"
    assert err(cells.day, 45000.0) == "bad_date"


def test_yes_no():
    assert cells.yes_no("是") is True
    assert cells.yes_no(" 否 ") is False
    assert cells.yes_no(True) is True
    assert cells.yes_no(None) is None
    assert err(cells.yes_no, "可能") == "bad_enum"


def test_choices_take_the_chinese_label_or_the_model_value():
    choices = {"登记": "registered", "测绘": "surveyed"}
    assert cells.choice("登记", choices) == "registered"
    assert cells.choice("surveyed", choices) == "surveyed"
    assert err(cells.choice, "估算", choices) == "bad_enum"


def test_phones():
    assert cells.phone("139 0000 0000") == "13900000000"
    assert cells.phone(13900000000.0) == "13900000000"
    assert cells.phone("139****0000") is None  # masked by an export: keep the stored number
    assert err(cells.phone, "12345") == "bad_phone"
    assert err(cells.phone, "23900000000") == "bad_phone"


def test_id_numbers():
    good = pid(1)
    assert cells.id_number(f" {good.lower()} ") == good
    assert cells.id_number("**************1234") == "*"
    assert err(cells.id_number, good[:-1] + ("0" if good[-1] != "0" else "1")) == "bad_id_number"
    assert err(cells.id_number, "12345") == "bad_id_number"
    assert cells.id_number("E12345678") == "E12345678"  # a passport


def test_generators_may_give_decimals_and_ints():
    from decimal import Decimal as D

    assert cells.code(D("101.0")) == "101"
    assert cells.code(D("1.5")) == "1.5"
    assert cells.decimal(D("88.5")) == D("88.50")
    assert cells.integer(D("12")) == 12
    assert cells.code(float("nan")) == "nan"
