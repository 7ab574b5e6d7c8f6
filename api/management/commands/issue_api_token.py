"""`issue_api_token USERNAME --name NAME`: a personal API token, printed once on standard output."""

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations

from api.auth import SCHEME, api_token_issue


class Command(BaseCommand):
    help = (
        "Issue a personal token for the JSON API (Authorization: Token <key>). The token is printed once, "
        "alone on standard output, and stored only hashed; revoke it in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for, e.g. 'monthly report'")
        parser.add_argument(
            "--replace", action="store_true", help="revoke the user's active token of the same name first"
        )

    @no_translations
    def handle(self, *args, username, name, replace, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"unknown user {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive: a token of his would be refused")
        name = name.strip()
        try:
            api_token, token = api_token_issue(user=user, name=name, replace=replace)
        except ValidationError as error:
            if any(e.code == "duplicate_name" for e in error.error_dict.get(NON_FIELD_ERRORS, ())):
                raise CommandError(
                    f"{username} already has an active token named {name!r}: pass --replace to revoke it "
                    "and issue a new one, or choose another name"
                ) from error
            raise CommandError("; ".join(error.messages)) from error
        # The token alone on stdout, so that a script can capture it; the rest goes to stderr.
        self.stdout.write(token)
        self.stderr.write(
            f"Token {api_token.name!r} for {username}: copy it now, it is not shown again. "
            f"Send it as 'Authorization: {SCHEME} <token>'."
        )
