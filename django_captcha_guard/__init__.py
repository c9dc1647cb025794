"""Self-hosted image CAPTCHA for Django forms and APIs."""

__version__ = "0.1.0.dev0"
