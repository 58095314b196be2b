"""The admin site's registrations live with their domains; Django's autodiscovery imports this
module, which imports theirs. Review's rows (annotations, adjudications, history) are in
moderation's, whose actions they carry."""

from .agreement import admin as agreement_admin  # noqa: F401
from .api import admin as api_admin  # noqa: F401
from .assignment import admin as assignment_admin  # noqa: F401
from .corpus import admin as corpus_admin  # noqa: F401
from .detection import admin as detection_admin  # noqa: F401
from .export import admin as export_admin  # noqa: F401
from .moderation import admin as moderation_admin  # noqa: F401
from .training import admin as training_admin  # noqa: F401
from .webhooks import admin as webhooks_admin  # noqa: F401
