from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Comment(models.Model):
    """A guest-book entry; the comment page shows the newest ones."""

    author = models.CharField(_("name"), max_length=60)
    text = models.TextField(_("comment"), max_length=500)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"
