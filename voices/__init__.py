"""Bundled voice clips for the audio challenge; installed as ``django_captcha_guard.voices`` (see setup.cfg)."""
