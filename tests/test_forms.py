"""CaptchaField on forms.Form and ModelForm: rendering, checking once, errors, a new picture.

The module doubles as a URLconf (``login/``, a form view) for the end-to-end tests.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import include, path
from django.utils import translation

from django_captcha_guard import core
from django_captcha_guard.forms import CaptchaField, CaptchaFormMixin
from django_captcha_guard.storage import get_storage
from django_captcha_guard.testing import solve, solved_fields
from tests.integration import MEMORY
from tests.outage import DOWN

pytestmark = pytest.mark.usefixtures("memory_store")


class LoginForm(CaptchaFormMixin, forms.Form):
    username = forms.CharField()
    captcha = CaptchaField(scope="login")


class SignupForm(CaptchaFormMixin, forms.ModelForm):
    captcha = CaptchaField()

    class Meta:
        model = User
        fields = ["username"]


class CaptchaLoginForm(AuthenticationForm):
    """AuthenticationForm keeps ``self.request`` already: no mixin needed."""

    captcha = CaptchaField()


PAGE = engines["django"].from_string("<form method=post>{{ form.as_div }}</form>")


def login(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        return HttpResponse(f"welcome {form.cleaned_data['username']}")
    return HttpResponse(PAGE.render({"form": form}, request), status=400 if form.is_bound else 200)


urlpatterns = [path("login/", login), path("captcha/", include("django_captcha_guard.urls"))]


def get() -> HttpRequest:
    return RequestFactory().get("/")


def post(data: dict[str, Any]) -> HttpRequest:
    return RequestFactory().post("/", data)


def issued_key(form: forms.BaseForm, field: str = "captcha") -> str:
    html = str(form[field])
    key = solved_fields(html)["captcha_key"]
    return key


def test_the_field_renders_the_widget_in_a_fieldset() -> None:
    form = LoginForm(request=get())
    html = form.as_div()
    assert "<fieldset>" in html
    assert "<legend>Captcha:</legend>" in html  # no "for": the answer has its own <label>
    assert '<label class="captcha-guard-label" for="id_captcha">Characters in the picture</label>' in html
    assert 'id="id_captcha" name="captcha_answer" required maxlength="5"' in html
    assert 'data-scope="login"' in html
    assert core.is_valid_key(issued_key(form))


def test_a_right_answer_validates_once() -> None:
    key = issued_key(LoginForm(request=get()))
    request = post({"username": "ann", "captcha_key": key, "captcha_answer": solve(key).lower()})
    form = LoginForm(request.POST, request=request)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["captcha"].ok
    # Single use: the same submission in a new request fails.
    replay = post({"username": "ann", "captcha_key": key, "captcha_answer": solve(key)})
    form = LoginForm(replay.POST, request=replay)
    assert not form.is_valid()
    assert form.errors.as_data()["captcha"][0].code == "expired"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({}, "missing"),
        ({"captcha_answer": "ABCDE"}, "missing"),
        ({"captcha_key": "not-a-key", "captcha_answer": "ABCDE"}, "malformed"),
        ({"captcha_key": core.new_key(), "captcha_answer": "ABCDE"}, "expired"),
        ({"captcha_answer": "x" * 10240}, "missing"),
    ],
)
def test_failures_are_inline_errors_with_the_reason_as_code(data: dict[str, Any], code: str) -> None:
    request = post({"username": "ann", **data})
    form = LoginForm(request.POST, request=request)
    assert not form.is_valid()
    error = form.errors.as_data()["captcha"][0]
    assert error.code == code
    assert error.messages == [str(core.MESSAGES[core.Reason(code)])]


def test_a_wrong_answer_shows_a_new_picture_and_an_empty_answer() -> None:
    key = issued_key(LoginForm(request=get()))
    request = post({"username": "ann", "captcha_key": key, "captcha_answer": solve(key) + "X"})
    form = LoginForm(request.POST, request=request)
    assert not form.is_valid()
    assert form.errors["captcha"] == ["The captcha answer is wrong. Please try again."]
    html = form.as_div()
    new_key = issued_key(form)
    assert new_key != key
    assert get_storage().get(request, new_key) is not None
    assert solve(key) not in html
    assert 'aria-invalid="true"' in html
    assert "The captcha answer is wrong. Please try again." in html


def test_the_answer_input_is_described_by_the_error_list() -> None:
    """Django describes the fieldset; a screen reader reading the input must hear the error too."""
    fresh = LoginForm(request=get()).as_div()
    assert 'aria-describedby="captcha-guard-1-status"' in fresh and "id_captcha_error" not in fresh
    request = post({"username": "ann", "captcha_key": core.new_key(), "captcha_answer": "X"})
    form = LoginForm(request.POST, request=request)
    assert not form.is_valid()
    html = form.as_div()
    assert '<ul class="errorlist" id="id_captcha_error">' in html
    answer = re.search(r'<input type="text" class="captcha-guard-answer"[^>]*>', html)
    assert answer is not None
    assert 'aria-describedby="id_captcha_error captcha-guard-1-status"' in answer.group()


def test_duplicate_fields_are_malformed() -> None:
    key = issued_key(LoginForm(request=get()))
    request = post({"username": "ann", "captcha_key": key, "captcha_answer": [solve(key), solve(key)]})
    form = LoginForm(request.POST, request=request)
    assert not form.is_valid()
    assert form.errors.as_data()["captcha"][0].code == "malformed"


def test_the_scope_of_the_field_is_checked() -> None:
    other = core.issue(get(), "signup")
    request = post({"username": "ann", "captcha_key": other, "captcha_answer": solve(other)})
    form = LoginForm(request.POST, request=request)
    assert not form.is_valid()
    assert form.errors.as_data()["captcha"][0].code == "wrong"


def test_a_request_already_checked_is_not_checked_again() -> None:
    """Middleware or @require_captcha checked this request first: the field reuses that result."""
    key = core.issue(get(), "login")
    request = post({"username": "ann", "captcha_key": key, "captcha_answer": solve(key)})
    assert core.check_request(request, "login").ok
    form = LoginForm(request.POST, request=request)
    assert form.is_valid(), form.errors


def test_model_form(db: None) -> None:
    key = issued_key(SignupForm(request=get()))
    request = post({"username": "ann", "captcha_key": key, "captcha_answer": solve(key)})
    form = SignupForm(request.POST, request=request)
    assert form.is_valid(), form.errors
    assert form.save().username == "ann"
    failed = post({"username": "bob"})
    form = SignupForm(failed.POST, request=failed)
    assert not form.is_valid()
    assert list(form.errors) == ["captcha"]


def test_authentication_form_needs_no_mixin(db: None) -> None:
    User.objects.create_user("ann", password="s3cret-pass")
    key = issued_key(CaptchaLoginForm(get()))
    request = post({"username": "ann", "password": "s3cret-pass", "captcha_key": key, "captcha_answer": solve(key)})
    assert CaptchaLoginForm(request, data=request.POST).is_valid()


def test_a_form_without_the_request_says_how_to_fix_it() -> None:
    class Bare(forms.Form):
        captcha = CaptchaField()

    with pytest.raises(ImproperlyConfigured, match=r"CaptchaFormMixin to Bare .*request=request"):
        str(Bare()["captcha"])
    with pytest.raises(ImproperlyConfigured, match="CaptchaFormMixin"):
        Bare({"captcha_key": "k", "captcha_answer": "a"}).is_valid()


def test_store_outage_renders_a_notice_and_fails_closed(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": DOWN}
    form = LoginForm(request=get())
    assert 'role="alert"' in str(form["captcha"])
    request = post({"username": "ann", "captcha_key": core.new_key(), "captcha_answer": "ABCDE"})
    form = LoginForm(request.POST, request=request)
    assert not form.is_valid()
    assert form.errors.as_data()["captcha"][0].code == "unavailable"


def test_errors_are_translated() -> None:
    request = post({"username": "ann"})
    with translation.override("zh-hans"):
        form = LoginForm(request.POST, request=request)
        assert not form.is_valid()
        assert form.errors["captcha"] == ["请输入图片中的字符。"]
        assert "<legend>图片验证码:</legend>" in form.as_div()


def test_disabled_checking_accepts_anything_while_debugging(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": MEMORY, "ENABLED": False}
    settings.DEBUG = True
    request = post({"username": "ann"})
    assert LoginForm(request.POST, request=request).is_valid()


def test_disabled_checking_is_refused_in_production(settings: Any, caplog: Any) -> None:
    """Servers never run system checks (E030), so ENABLED=False is refused where it would act."""
    settings.CAPTCHA_GUARD = {"STORE": MEMORY, "ENABLED": False}
    settings.DEBUG = False
    request = post({"username": "ann"})
    form = LoginForm(request.POST, request=request)
    assert not form.is_valid()
    assert form.errors["captcha"][0] == str(core.MESSAGES[core.Reason.MISSING])
    assert "ENABLED'] is False while DEBUG is off" in caplog.text


@pytest.mark.urls("tests.test_forms")
def test_end_to_end_with_the_session_store(client: Client, settings: Any, db: None) -> None:
    settings.CAPTCHA_GUARD = {}
    page = client.get("/login/")
    wrong = {**solved_fields(page), "captcha_answer": "nope"}
    failed = client.post("/login/", {"username": "ann", **wrong})
    assert failed.status_code == 400
    assert "The captcha answer is wrong." in failed.content.decode()
    retry = solved_fields(failed)
    assert retry["captcha_key"] != wrong["captcha_key"]
    assert client.post("/login/", {"username": "ann", **retry}).content == b"welcome ann"


def test_empty_permitted_does_not_skip_the_check() -> None:
    """Formsets mark extra forms empty_permitted; an 'unchanged' form must not skip the captcha."""
    request = post({})
    form = LoginForm(request.POST, request=request, empty_permitted=True, use_required_attribute=False)
    assert not form.is_valid()
    assert form.errors.as_data()["captcha"][0].code == "missing"
