"""django-simple-captcha's site under the bot benchmark: its settings plus the SMS form and the answer header."""

from incumbent.settings import *  # noqa: F403
from incumbent.settings import MIDDLEWARE

ROOT_URLCONF = "incumbent.bots_urls"
MIDDLEWARE = [*MIDDLEWARE, "incumbent.bots_urls.AnswerHeaderMiddleware"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {}}]
