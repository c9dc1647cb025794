"""The account the login page tells visitors to use: demo / demo."""

from django.contrib.auth.hashers import make_password
from django.db import migrations


def create_demo_user(apps, schema_editor):
    User = apps.get_model("auth", "User")
    User.objects.get_or_create(username="demo", defaults={"password": make_password("demo")})


class Migration(migrations.Migration):
    dependencies = [("demo", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_demo_user, migrations.RunPython.noop)]
