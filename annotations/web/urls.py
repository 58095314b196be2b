from django.urls import path

from . import views

app_name = "annotations"
urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    # The sentence's id is posted with the action (one URL each keeps the review page small).
    path("annotations/save", views.tag_sentence, {"clear": False}, name="annotation_save"),
    path("annotations/clear", views.tag_sentence, {"clear": True}, name="annotation_clear"),
    path("next/", views.next_sentence, name="next_sentence"),
    path("settings", views.save_settings, name="reviewer_settings"),
    path("search/", views.sentence_search, name="sentence_search"),
    path("healthz", views.healthz, name="healthz"),
]
