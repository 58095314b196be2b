from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

# Log in and out, change one's password. No password reset by email: the server sends no email,
# so those routes would be a public, unthrottled form that does nothing; an admin sets a
# forgotten password (admin → Users, or `manage.py changepassword NAME`).
accounts = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include(accounts)),
    path("api/", include("annotations.api.urls")),
    path("", include("annotations.web.urls")),
]

# Under /api/ these answer JSON, as docs/api.md promises; elsewhere Django's pages.
handler400 = "annotations.api.exceptions.bad_request"
handler500 = "annotations.api.exceptions.server_error"
