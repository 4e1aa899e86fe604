"""The mainland working-day calendar (RULES T1) and the Civil Code's counting (art. 201, 203)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from sanfang.core import workdays
from sanfang.core.models import ChangeEvent, WorkdayOverride

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hour=0, minute=0):
    return datetime(y, m, d, hour, minute, tzinfo=SH)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # A rolled-back test transaction sends no post_delete: never let its rows outlive it.
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def test_t1_national_day_2026_and_its_adjusted_workday():
    assert all(not workdays.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert workdays.is_workday(date(2026, 10, 8))
    assert workdays.is_workday(date(2026, 10, 10))  # Saturday, 调休上班
    assert not workdays.is_workday(date(2026, 10, 11))
    assert not workdays.is_workday(date(2026, 9, 27))  # Sunday, Mid-autumn
    assert workdays.covered(2026)
    assert workdays.warning(date(2026, 9, 1), date(2026, 10, 31)) is None


def test_t1_the_start_day_is_not_counted_and_the_period_ends_at_midnight():
    # Civil Code art. 201 and 203: 1st working day after Wed 09-30 is Thu 10-08.
    assert workdays.add_working_days(at(2026, 9, 30, 10), 1) == at(2026, 10, 9)
    # Submitted just before midnight: still the same start day.
    assert workdays.add_working_days(at(2026, 9, 30, 23, 59), 1) == at(2026, 10, 9)


def test_t1_an_aware_start_in_another_zone_counts_from_the_shanghai_day():
    utc_evening = datetime(2026, 9, 29, 17, 0, tzinfo=ZoneInfo("UTC"))  # Wed 09-30 01:00 in Shanghai
    assert workdays.add_working_days(utc_evening, 1) == at(2026, 10, 9)


def test_t1_working_days_skip_an_ordinary_weekend():
    # Thu 09-10 + 3: Fri 09-11, Mon 09-14, Tue 09-15.
    assert workdays.add_working_days(at(2026, 9, 10, 9), 3) == at(2026, 9, 16)
    # Submitted on Saturday: the count starts on Monday.
    assert workdays.add_working_days(at(2026, 9, 12, 15), 1) == at(2026, 9, 15)


def test_t1_working_days_land_on_the_adjusted_saturday():
    # Thu 10-08, Fri 10-09, Sat 10-10 (调休).
    assert workdays.add_working_days(at(2026, 9, 30, 10), 3) == at(2026, 10, 11)
    # Fri 10-09 + 1: the adjusted Saturday itself.
    assert workdays.add_working_days(at(2026, 10, 9, 16), 1) == at(2026, 10, 11)


def test_t1_working_hours_stop_over_a_weekend():
    assert workdays.add_working_hours(at(2026, 9, 11, 17), 24) == at(2026, 9, 14, 17)
    assert workdays.add_working_hours(at(2026, 9, 11, 17), 7) == at(2026, 9, 12)  # 24:00 on Friday
    assert workdays.add_working_hours(at(2026, 9, 11, 17), 8) == at(2026, 9, 14, 1)
    # Sunday 09-20 is an adjusted workday (for National Day): the clock runs on it.
    assert workdays.add_working_hours(at(2026, 9, 18, 17), 24) == at(2026, 9, 20, 17)


def test_t1_working_hours_started_on_a_holiday_start_at_the_next_working_day():
    assert workdays.add_working_hours(at(2026, 10, 2, 11, 30), 24) == at(2026, 10, 9)
    assert workdays.add_working_hours(at(2026, 10, 2, 11, 30), 36) == at(2026, 10, 9, 12)
    assert workdays.add_working_hours(at(2026, 10, 2, 11, 30), 72) == at(2026, 10, 11)  # via Sat 10-10


@pytest.mark.parametrize("n", [0, -1])
def test_a_period_needs_at_least_one_unit(n):
    with pytest.raises(ValueError):
        workdays.add_working_days(at(2026, 9, 30, 10), n)
    with pytest.raises(ValueError):
        workdays.add_working_hours(at(2026, 9, 30, 10), n)


def test_t1_an_unpublished_year_counts_monday_to_friday_with_a_warning_until_entered():
    assert not workdays.covered(2027)
    assert workdays.uncovered_years(date(2026, 12, 1), date(2027, 1, 31)) == [2027]
    assert workdays.is_workday(date(2027, 1, 1))  # a Friday: New Year's Day is not known yet
    assert not workdays.is_workday(date(2027, 1, 2))
    # Thu 2026-12-31 + 1: Fri 2027-01-01, counted Monday to Friday.
    assert workdays.add_working_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 2)
    message = workdays.warning(date(2026, 12, 31), date(2027, 1, 2))
    assert message is not None and "2027" in message

    WorkdayOverride.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦")
    saturday = WorkdayOverride.objects.create(date=date(2027, 1, 2), is_workday=True, name="调休上班")

    assert workdays.covered(2027)
    assert workdays.uncovered_years(date(2026, 12, 1), date(2027, 1, 31)) == []
    assert workdays.warning(date(2026, 12, 31), date(2027, 1, 2)) is None
    assert not workdays.is_workday(date(2027, 1, 1))
    assert workdays.is_workday(date(2027, 1, 2))
    assert not workdays.is_workday(date(2027, 1, 3))  # not entered: Monday to Friday still
    assert workdays.add_working_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 3)

    saturday.delete()
    assert not workdays.is_workday(date(2027, 1, 2))
    assert workdays.add_working_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 5)


def test_t1_an_override_wins_over_the_package():
    assert workdays.is_workday(date(2026, 10, 9))
    WorkdayOverride.objects.create(date=date(2026, 10, 9), is_workday=False, name="test")
    assert not workdays.is_workday(date(2026, 10, 9))


def test_t1_the_cache_expires_for_edits_made_by_other_processes(monkeypatch):
    assert workdays.is_workday(date(2027, 1, 1))
    # A bulk update sends no signal, as another process's edit never reaches this one.
    WorkdayOverride.objects.bulk_create([WorkdayOverride(date=date(2027, 1, 1), is_workday=False)])
    assert workdays.is_workday(date(2027, 1, 1))
    later = workdays._clock() + workdays.CACHE_SECONDS
    monkeypatch.setattr(workdays, "_clock", lambda: later)
    assert not workdays.is_workday(date(2027, 1, 1))


def test_admin_entry_of_the_schedule_is_tracked_and_counts_at_once(admin_client, world):
    response = admin_client.post(reverse("admin:core_workdayoverride_add"),
                                 {"date": "2027-01-01", "name": "元旦"})  # unticked: a day off
    assert response.status_code == 302, response.content[:2000]
    row = WorkdayOverride.objects.get(date=date(2027, 1, 1))
    assert not row.is_workday
    assert ChangeEvent.objects.filter(model="core.workdayoverride", object_id=row.pk, action="create",
                                      actor=world.users["district"], source="admin").exists()
    assert not workdays.is_workday(date(2027, 1, 1))
    assert admin_client.get(reverse("admin:core_workdayoverride_changelist")).status_code == 200
