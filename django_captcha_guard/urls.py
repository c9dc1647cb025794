app_name = "captcha_guard"

urlpatterns: list = []
