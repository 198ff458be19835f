"""Index-backed, case-insensitive message search on PostgreSQL (Team API ``search``).

Django compiles ``text__icontains`` to ``UPPER(text) LIKE UPPER('%term%')``; a GIN trigram
index on ``UPPER(text)`` answers exactly that expression, for substrings anywhere in the
text. SQLite has no such index: there the selector matches with a Python regex instead
(``chats.selectors.message_search_q``), and this migration does nothing.

The index is not declared on the model because it only exists on one vendor.
"""

from django.db import migrations

INDEX = "msg_text_upper_trgm"


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON chats_message "
        "USING gin (UPPER(text) gin_trgm_ops)"
    )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other objects may have come to depend on it.
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("chats", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
    ]
