"""DRF permission classes over the checks of annotations.roles."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from annotations.roles import (
    can_add_articles,
    can_change_annotation,
    can_train_detector,
    is_moderator,
)


class OwnerOrModeratorCanChange(BasePermission):
    """Anyone who can see an annotation may read it; its reviewer or a moderator change it."""

    message = "you can only change your own annotations"

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or can_change_annotation(request.user, obj)


class CanAddArticles(BasePermission):
    """Loading articles takes the same permission as the admin's upload."""

    message = "loading articles needs the 'Can add article' permission; ask an administrator"

    def has_permission(self, request, view):
        return request.method != "POST" or can_add_articles(request.user)


class CanTrainDetector(BasePermission):
    """Training runs take the same permission as the admin's Train button."""

    restricts_reads = True  # the schema documents 403 for its GETs too

    message = "training runs need the 'Can add detector version' permission; ask an administrator"

    def has_permission(self, request, view):
        return can_train_detector(request.user)


class IsModerator(BasePermission):
    """Moderation (decisions, adjudications, locks, the queue, the reviewers) takes the moderator
    role, checked before anything is looked up: the others learn nothing about what exists."""

    restricts_reads = True

    message = "moderation takes the moderator role (the Moderators group); ask an administrator"

    def has_permission(self, request, view):
        return is_moderator(request.user)
