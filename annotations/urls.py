from django.urls import path

from . import views

app_name = "annotations"
urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("healthz", views.healthz, name="healthz"),
]
