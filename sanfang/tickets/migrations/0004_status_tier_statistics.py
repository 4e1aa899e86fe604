"""Joint statistics of a case's status and tier on PostgreSQL (bench/RESULTS.inbox.md).

Only open cases move up the tiers, so "open and at the subdistrict tier" is about twenty times
more common than the product of the two selectivities the planner assumes without them. With
that estimate a subdistrict officer's inbox read every open case of its compounds at its tier
and sorted them (~600 at MC-0.1); with these statistics the planner walks the tier's open
cases in deadline order and stops at the 21st in the area. Other databases have no such
statistics: nothing to do there.
"""

from django.db import migrations

NAME = "ticket_status_tier_stats"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE STATISTICS IF NOT EXISTS {NAME} (mcv, dependencies) ON status, tier "
                              "FROM tickets_ticket")
        schema_editor.execute("ANALYZE tickets_ticket")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):

    dependencies = [("tickets", "0003_inbox_indexes")]

    operations = [migrations.RunPython(create, drop)]
