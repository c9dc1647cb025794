from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaptchaGuardConfig(AppConfig):
    name = "django_captcha_guard"
    label = "captcha_guard"
    verbose_name = _("Captcha guard")

    def ready(self) -> None:
        from django_captcha_guard import checks  # noqa: F401  (registers the system checks)
