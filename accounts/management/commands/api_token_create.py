"""Create a personal access token for a user and print it alone on one line (for scripts).

python manage.py api_token_create --user USERNAME --scopes read,write [--expires-days N]
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it (only once: it is stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The username the token acts as.")
        parser.add_argument("--scopes", default="read", help="read, or read,write (default: read).")
        parser.add_argument("--expires-days", type=int, default=None, help="Days until it expires.")
        parser.add_argument("--name", default="Command line", help="What the token is for.")

    def handle(self, *args, user, scopes, expires_days, name, **options):
        owner = User.objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"No user named {user!r}; nothing was created.")
        try:
            _token, plaintext = api_token_create(
                user=owner, name=name, scopes=scopes, expires_days=expires_days
            )
        except ValidationError as error:
            raise CommandError(f"{' '.join(error.messages)} Nothing was created.") from error
        self.stdout.write(plaintext)
