"""Bundled fonts; installed as ``django_captcha_guard.fonts`` (see setup.cfg)."""
