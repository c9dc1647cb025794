"""The demo's forms. Only the login and two-captcha forms carry a ``CaptchaField``; the
comment form relies on the middleware and the async page on the decorator."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from demo.models import Comment
from django_captcha_guard.forms import CaptchaField, CaptchaFormMixin


class LoginForm(AuthenticationForm):
    """AuthenticationForm keeps the request already, which is all the field needs."""

    captcha = CaptchaField(scope="login")

    def clean(self) -> dict[str, Any]:
        # No password check without a solved captcha: the "wrong password" error would
        # otherwise tell a guessing bot about the password while it ignores the picture.
        if self.has_error("captcha"):
            return self.cleaned_data
        return super().clean()


class ProgressiveLoginForm(LoginForm):
    """The same form in the ``PROGRESSIVE`` scope "signin": the field hides until it is needed."""

    captcha = CaptchaField(scope="signin")


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["author", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class NewsletterForm(CaptchaFormMixin, forms.Form):
    email = forms.EmailField(label=_("Email"))
    captcha = CaptchaField(scope="newsletter")


class FeedbackForm(CaptchaFormMixin, forms.Form):
    message = forms.CharField(label=_("Feedback"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    captcha = CaptchaField(scope="feedback")


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=200)
