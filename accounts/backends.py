from django.contrib.auth.backends import ModelBackend

from accounts.models import User, normalize_email


class EmailBackend(ModelBackend):
    """Email + password, case-insensitive on the email; inactive users never sign in."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        identifier = normalize_email(email or username)
        if not identifier or password is None:
            return None
        user = User.objects.filter(email=identifier).first()
        if user is None:
            User().set_password(password)  # same cost as a real check, so timing tells nothing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
