from rest_framework.permissions import SAFE_METHODS, BasePermission


class OwnerOrStaffCanChange(BasePermission):
    """Anyone who can see an object may read it; only its reviewer or staff change it."""

    message = "you can only change your own annotations"

    def has_object_permission(self, request, view, obj):
        return (
            request.method in SAFE_METHODS
            or obj.reviewer_id == request.user.pk
            or request.user.is_staff
        )


class CanAddArticles(BasePermission):
    """Loading articles takes the same permission as the admin's upload."""

    message = "loading articles needs the 'Can add article' permission; ask an administrator"

    def has_permission(self, request, view):
        return request.method != "POST" or request.user.has_perm("annotations.add_article")


class CanTrainDetector(BasePermission):
    """Training runs take the same permission as the admin's Train button."""

    restricts_reads = True  # the schema documents 403 for its GETs too

    message = "training runs need the 'Can add detector version' permission; ask an administrator"

    def has_permission(self, request, view):
        return request.user.has_perm("annotations.add_detectorversion")
