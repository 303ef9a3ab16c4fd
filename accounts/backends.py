from django.contrib.auth.backends import ModelBackend

from accounts import selectors
from accounts.models import User


class EmailBackend(ModelBackend):
    """Email + password, compared on the email's normal form; inactive users never sign in.

    Both look-ups come before any company is known (a sign-in, a session's user on each request),
    so they go through `accounts.selectors`, which reads the account inside its own company.
    """

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        identifier = email or username
        if not identifier or password is None:
            return None
        user = selectors.user_by_email(identifier)
        if user is None:
            User().set_password(password)  # same cost as a real check, so timing tells nothing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        user = selectors.user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
