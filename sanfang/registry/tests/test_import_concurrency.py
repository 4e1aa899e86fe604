"""Concurrent imports: planning and writing behind one lock, in one transaction, so an import
never writes a plan made before another import committed; one upload is confirmed once."""

import threading
import time

import pytest
from django.db import IntegrityError, connection, connections

from sanfang.places.models import Unit
from sanfang.registry import apply, sample, uploads, views
from sanfang.registry.models import ImportBatch
from sanfang.registry.services import registry_import
from sanfang.registry.tests.helpers import upload

URL = "/workbook/import/"


def _slow_writes(monkeypatch):
    """Every write starts half a second late: without the lock, both imports plan first."""
    write = apply.Writer.write

    def slow(self):
        time.sleep(0.5)
        return write(self)

    monkeypatch.setattr(apply.Writer, "write", slow)


def _in_parallel(*jobs):
    barrier = threading.Barrier(len(jobs))
    results, failures = [None] * len(jobs), []

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures
    return results


@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_parallel_imports_sees_the_first(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("threads writing at once need PostgreSQL (SQLite's test database is one connection)")
    rows = sample.district_rows(60)
    _slow_writes(monkeypatch)
    a, b = _in_parallel(lambda: registry_import(sheets=rows, actor=None),
                        lambda: registry_import(sheets=rows, actor=None))
    assert a.ok and b.ok, (a.errors[:3], b.errors[:3])
    assert sorted([a.counts["房屋"].created, b.counts["房屋"].created]) == [0, 60]
    assert sorted([a.counts["房屋"].unchanged, b.counts["房屋"].unchanged]) == [0, 60]
    assert Unit.objects.count() == 60 and ImportBatch.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_parallel_import_cannot_downgrade_an_area_rules_v6(monkeypatch):
    """B's surveyed area is fine against the stored surveyed one; A commits a registered area
    meanwhile: B must now be refused (RULES V6), not overwrite it with a stale plan."""
    if connection.vendor != "postgresql":
        pytest.skip("threads writing at once need PostgreSQL")
    rows = sample.district_rows(10)
    assert registry_import(sheets=rows, actor=None).ok
    unit = next(u for u in rows["房屋"] if u["面积来源"] in ("测绘", "surveyed"))
    key = {k: unit[k] for k in ("小区编码", "楼栋号", "单元", "房号")}
    _slow_writes(monkeypatch)
    registered = {"房屋": [{**key, "专有部分面积": 90, "面积来源": "登记"}]}
    contract = {"房屋": [{**key, "专有部分面积": 70, "面积来源": "测绘"}]}

    def b():
        time.sleep(0.1)  # A takes the lock first
        return registry_import(sheets=contract, actor=None)

    a_report, b_report = _in_parallel(lambda: registry_import(sheets=registered, actor=None), b)
    assert a_report.ok
    assert [e.code for e in b_report.errors] == ["area_source_downgrade"]
    stored = Unit.objects.get(compound__code=key["小区编码"], building__number=key["楼栋号"], entrance=key["单元"] or "",
                              number=key["房号"])
    assert (stored.exclusive_area, stored.area_source) == (90, "registered")


@pytest.mark.django_db
def test_a_second_confirm_of_the_same_upload_during_the_first_finds_nothing(world, login, monkeypatch):
    client = login(world.users["district"])
    sha = client.post(URL, {"file": upload({"楼栋": [{"小区编码": "K1", "楼栋号": "2"}]})}).context["sha256"]
    real = views.registry_import_file
    seen = {}

    def importing(**kwargs):
        # A double click: the same confirm arrives while the first is importing.
        seen["second"] = client.post(URL, {"sha256": sha}).context["step"]
        return real(**kwargs)

    monkeypatch.setattr(views, "registry_import_file", importing)
    response = client.post(URL, {"sha256": sha})
    assert 'data-testid="import-done"' in response.content.decode()
    assert seen["second"] == "expired"
    assert ImportBatch.objects.count() == 1
    assert uploads.path_of(sha) is None


@pytest.mark.django_db
def test_a_failed_confirm_keeps_the_upload_for_its_problems(world, login, monkeypatch):
    client = login(world.users["district"])
    sha = client.post(URL, {"file": upload({"楼栋": [{"小区编码": "K1", "楼栋号": "2"}]})}).context["sha256"]

    def refused(self):
        raise IntegrityError("duplicate key value")

    monkeypatch.setattr(apply.Writer, "write", refused)
    response = client.post(URL, {"sha256": sha})
    assert [e.code for e in response.context["report"].errors] == ["conflict"]
    assert uploads.path_of(sha) is not None
