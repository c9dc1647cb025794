from django.apps import AppConfig

# The module, not the class: a second AdminConfig in this module's namespace would make
# Django's search for this app's default AppConfig ambiguous.
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CaptchaGuardConfig(AppConfig):
    name = "django_captcha_guard"
    label = "captcha_guard"
    verbose_name = _("Captcha guard")
    # This module holds a second AppConfig (below), so Django needs to be told which is ours.
    default = True

    def ready(self) -> None:
        from django_captcha_guard.checks import registry  # noqa: F401  (registers the system checks)


class CaptchaAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` whose default ``admin.site`` asks for a captcha on login.

    List ``"django_captcha_guard.apps.CaptchaAdminConfig"`` in ``INSTALLED_APPS`` instead of
    ``"django.contrib.admin"``: Django's documented way to replace the default site, so
    ``admin.site.register()``, ``admin.site.urls`` and autodiscovery all stay as they are.
    """

    default = False
    default_site = "django_captcha_guard.contrib.admin.CaptchaAdminSite"
