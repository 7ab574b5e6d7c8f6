"""A notification put into words, in the active language, when it is read or mailed: each kind
registers one renderer here (the workflow's, the alerts', the digest's in their modules)."""

import dataclasses

from notifications.models import Kind


@dataclasses.dataclass(frozen=True)
class Rendered:
    subject: str
    # Plain text: the inbox shows it, the e-mail sends it (with the link after it).
    body: str = ""


RENDERERS = {}


def renders(*kinds):
    """Register the decorated function(notification) -> Rendered as the words of these kinds."""

    def register(function):
        for kind in kinds:
            RENDERERS[kind] = function
        return function

    return register


def render(notification):
    """The notification's words; a kind with no renderer (written by a newer version) shows its
    label rather than fail the page or the mail."""
    renderer = RENDERERS.get(notification.kind)
    if renderer is not None:
        return renderer(notification)
    label = Kind(notification.kind).label if notification.kind in Kind.values else notification.kind
    return Rendered(subject=str(label))
