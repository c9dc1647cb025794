"""The demo account may sign in to the admin, whose login page has a captcha too.

Staff without permissions: the admin opens, and shows nothing it could change.
"""

from django.db import migrations


def make_staff(apps, schema_editor):
    apps.get_model("auth", "User").objects.filter(username="demo").update(is_staff=True)


class Migration(migrations.Migration):
    dependencies = [("demo", "0002_demo_user")]

    operations = [migrations.RunPython(make_staff, migrations.RunPython.noop)]
