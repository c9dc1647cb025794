from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Comment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("author", models.CharField(max_length=60, verbose_name="name")),
                ("text", models.TextField(max_length=500, verbose_name="comment")),
                ("created", models.DateTimeField(auto_now_add=True)),
            ],
            options={"ordering": ["-created", "-id"]},
        ),
    ]
