"""The look-up of an account before its company is known, ready for users behind row-level security.

What must find an account before its company is known asks `accounts_user_home(id, email)`:
a SECURITY DEFINER function of the migrating (BYPASSRLS) role that answers only the account's id
and company, so that the row itself is then read inside that company (accounts.selectors).
"""

from django.db import migrations

HOME_FUNCTION = """
CREATE OR REPLACE FUNCTION accounts_user_home(user_id uuid, user_email text)
RETURNS TABLE (id uuid, tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT u.id, u.tenant_id FROM public.accounts_user u WHERE u.id = user_id
    UNION ALL
    SELECT u.id, u.tenant_id FROM public.accounts_user u WHERE lower(u.email) = lower(user_email)
    LIMIT 1
$$
"""


def create_home_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(HOME_FUNCTION)


def drop_home_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS accounts_user_home(uuid, text)")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_normalise_emails")]

    operations = [
        migrations.RunPython(create_home_function, drop_home_function),
    ]
