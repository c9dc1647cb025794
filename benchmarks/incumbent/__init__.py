"""A minimal Django project serving django-simple-captcha, run from its own virtual environment."""
