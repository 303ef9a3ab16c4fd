"""Accounts behind row-level security, like every tenant table: the runtime role reads and writes
a company's members inside that company only, and never a staff account (no company).

What must find an account before its company is known asks `accounts_user_home` (migration 0003);
staff accounts are read and written through the privileged alias (accounts.selectors, User.save).
"""

from django.db import migrations

from aihm.tenancy import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_home_lookup")]

    operations = [
        EnableRowLevelSecurity("user"),
    ]
