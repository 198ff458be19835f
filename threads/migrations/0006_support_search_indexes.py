"""Index-backed, case-insensitive search over support chats (Support API ``search``).

The search matches a chat's title, its owner's name/identifier/email and its messages'
text (``threads.selectors.support_search_q``). Django compiles ``icontains`` on
PostgreSQL to ``UPPER(col::text) LIKE UPPER('%term%')``; a GIN trigram index on
``UPPER(col)`` answers exactly that. Message text already has one (``chats.0002``).
SQLite has no such index (the selector matches with a Unicode-aware regex there), so on
SQLite this migration does nothing. Not declared on the models: it exists on one vendor.
"""

from django.db import migrations

INDEXES = [
    ("thread_title_upper_trgm", "threads_thread", "title"),
    ("extuser_name_upper_trgm", "threads_externaluser", "name"),
    ("extuser_ident_upper_trgm", "threads_externaluser", "identifier"),
    ("extuser_email_upper_trgm", "threads_externaluser", "email"),
    ("user_dname_upper_trgm", "accounts_user", "display_name"),
    ("user_uname_upper_trgm", "accounts_user", "username"),
    ("user_email_upper_trgm", "accounts_user", "email"),
]


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_super_identity_required"),
        ("chats", "0002_message_text_search"),
        ("threads", "0005_super_identities_required"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
