"""Store every user's (and pending invitation's) email in its normal form (accounts.emails).

Two stored accounts that turn out to be look-alikes of one another cannot both take the normal
form (the unique index on the email): they are left as they are and reported by id, for staff
to merge or remove.
"""

from collections import defaultdict

from django.db import IntegrityError, migrations, transaction

from accounts.emails import normalise_email


def _report(users):
    ids = ", ".join(sorted(str(user.pk) for user in users))
    print(f"\n  accounts: look-alike emails left unchanged, users {ids}")  # noqa: T201


def normalise_stored_emails(apps, schema_editor):
    alias = schema_editor.connection.alias
    users = apps.get_model("accounts", "User")._base_manager.using(alias)
    by_normal_form = defaultdict(list)
    for user in users.only("id", "email"):
        by_normal_form[normalise_email(user.email)].append(user)
    for email, same in by_normal_form.items():
        if len(same) > 1:
            _report(same)
        elif same[0].email != email:
            try:
                with transaction.atomic(using=alias):
                    users.filter(pk=same[0].pk).update(email=email)
            except IntegrityError:
                _report(same)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(normalise_stored_emails, migrations.RunPython.noop)]
