from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def token_rotate(user) -> Token:
    """Give user a new API token; the old one, if any, stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)
