"""A minimal Django project serving django_captcha_guard to the load generator."""
