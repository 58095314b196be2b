from django.urls import path

from . import claims, dashboard, exports, moderation, views

app_name = "annotations"
urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("articles/<int:pk>/sentences", views.article_window, name="article_window"),
    # The sentence's id is posted with the action (one URL each keeps the review page small).
    path("annotations/save", views.tag_sentence, {"clear": False}, name="annotation_save"),
    path("annotations/clear", views.tag_sentence, {"clear": True}, name="annotation_clear"),
    path("next/", views.next_sentence, name="next_sentence"),
    path("settings", views.save_settings, name="reviewer_settings"),
    path("search/", views.sentence_search, name="sentence_search"),
    path("history/sentence", moderation.sentence_history, name="sentence_history"),
    path("healthz", views.healthz, name="healthz"),
    path("claims/<int:pk>/", claims.claim_page, name="claim_review"),
    path("moderation/", moderation.queue, name="moderation_queue"),
    # As on the review page, the queue item's sentence is posted with each action.
    path("moderation/decide", moderation.decide, name="moderation_decide"),
    path("moderation/adjudicate", moderation.adjudicate_sentence, name="moderation_adjudicate"),
    path("moderation/article", moderation.article_flag, name="moderation_article_flag"),
    path("moderation/bulk", moderation.bulk_decide, name="moderation_bulk"),
    path("moderation/reviewers/", moderation.reviewers, name="moderation_reviewers"),
    path("moderation/dashboard/", dashboard.dashboard, name="dashboard"),
    path(
        "moderation/reviewers/<int:pk>/deactivate",
        moderation.deactivate,
        name="moderation_deactivate",
    ),
    path("moderation/history/", moderation.history, name="moderation_history"),
    path("moderation/exports/", exports.exports, name="exports"),
    path("moderation/exports/<int:pk>/", exports.export_progress, name="export_progress"),
    path("moderation/exports/<int:pk>/download", exports.export_download, name="export_download"),
]
