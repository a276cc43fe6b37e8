"""A correction the operator chose to announce goes out through the ledger as one more mail,
to a real SMTP server, saying it is a correction; an unannounced one sends nothing."""

from candor.core import services
from candor.core.models import Delivery, DeliveryState
from tests.support.processes import drain


def test_announced_correction_is_a_second_mail_marked_correction(page, smtp, fast, subscribe):
    subscriber = subscribe("ann@example.com")
    incident = services.declare_incident(page, by=None, name="Mail delayed", message="Lookng.")
    drain()
    first = incident.updates.get()
    services.edit_update(first, by=None, body="Looking.")  # a typo: nobody is told
    drain()
    assert len(smtp.handler.to("ann@example.com")) == 1
    services.edit_update(first, by=None, body="Looking into **mail** delays.", notify=True)
    drain()
    original, correction = smtp.handler.to("ann@example.com")
    revision = first.revisions.get(notified=True)
    assert original["Subject"] == "[Investigating] Mail delayed"
    assert correction["Subject"] == "[Investigating] Mail delayed (correction)"
    assert correction["Message-ID"] == f"<candor.r{revision.pk}.{subscriber.pk}@127.0.0.1>"
    text = correction.get_body(("plain",)).get_content()
    assert "Correction: this update was edited after it was first sent." in text
    assert "Looking into **mail** delays." in text
    assert list(Delivery.objects.values_list("state", flat=True)) == [DeliveryState.SENT] * 2
