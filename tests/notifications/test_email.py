import pytest
from django.core import mail

from candor.core import services
from candor.core.models import Delivery, DeliveryState, Incident, Subscriber, SubscriberState
from candor.core.worker import Worker
from tests.support.mail import serve_smtp
from tests.support.processes import drain


@pytest.fixture(params=["pipelining", "stepwise"])
def smtp(request, settings):
    """Every test here runs against a server that offers PIPELINING and one that does not."""
    server = serve_smtp(settings, pipelining=request.param == "pipelining")
    yield server
    server.stop()


def declare(page, components=(), **kwargs):
    return services.declare_incident(
        page,
        by=None,
        name="Help Desk Ticket Submission Disrupted",
        impact="minor",
        components=components,
        message="We are **investigating** <script>alert(1)</script> reports.",
        **kwargs,
    )


def test_email_notification_has_parts_links_and_one_click_headers(
    page, make_component, smtp, fast, subscribe, client
):
    subscriber = subscribe("ann@example.com")
    incident = declare(page, [make_component("Help Desk")])

    drain()

    [message] = smtp.handler.to("ann@example.com")
    delivery = Delivery.objects.get()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert message["Subject"] == "[Investigating] Help Desk Ticket Submission Disrupted"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == f"<candor.u{delivery.update_id}.{subscriber.pk}@127.0.0.1>"
    assert "Help Desk: Degraded Performance" in text
    assert f"/incidents/{incident.pk}" in text
    assert unsubscribe in text and unsubscribe in html
    assert "<strong>investigating</strong>" in html
    assert "<script>" not in html
    assert "/subscribe/manage/" in text
    assert delivery.state == DeliveryState.SENT


def test_email_batch_reuses_one_smtp_connection(page, smtp, fast, subscribe):
    for i in range(5):
        subscribe(f"user{i}@example.com")
    declare(page)

    drain()

    assert (len(smtp.messages), len(smtp.handler.sessions)) == (5, 1)


def test_email_4xx_retries_then_delivers(page, smtp, fast, subscribe):
    subscriber = subscribe("busy@example.com")
    smtp.handler.refuse["busy@example.com"] = "451 Try again later"
    declare(page)

    drain_once = drain  # the schedule is zero seconds: one drain runs it all
    smtp.handler.refuse.clear()
    drain_once()
    delivery = Delivery.objects.get()

    assert delivery.state == DeliveryState.SENT
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def test_email_4xx_until_the_schedule_ends_fails_without_quarantine(page, smtp, fast, subscribe):
    subscriber = subscribe("busy@example.com")
    smtp.handler.refuse["busy@example.com"] = "451 Try again later"
    declare(page)

    drain()

    delivery = Delivery.objects.get()
    subscriber.refresh_from_db()
    assert (delivery.state, delivery.attempts, subscriber.state) == (
        DeliveryState.FAILED,
        8,
        SubscriberState.ACTIVE,
    )
    assert delivery.attempt_log.filter(ok=False).count() == 8
    assert "451" in delivery.last_error


def test_email_5xx_for_recipient_quarantines_subscriber(page, smtp, fast, subscribe):
    subscriber = subscribe("gone@example.com")
    subscribe("fine@example.com")
    smtp.handler.refuse["gone@example.com"] = "550 No such user here"
    declare(page)

    drain()

    subscriber.refresh_from_db()
    delivery = Delivery.objects.get(subscriber=subscriber)
    assert (subscriber.state, delivery.state, delivery.attempts) == (
        SubscriberState.QUARANTINED,
        DeliveryState.FAILED,
        1,
    )
    assert "550" in subscriber.last_error
    assert len(smtp.handler.to("fine@example.com")) == 1


def test_email_console_backend_by_default(page, fast, subscribe, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    subscribe("ann@example.com")
    declare(page)

    drain()

    assert [m.subject for m in mail.outbox] == [
        "[Investigating] Help Desk Ticket Submission Disrupted"
    ]


def sends_counted(monkeypatch) -> list[bytes]:
    """What the client writes to the server, one entry per write."""
    import smtplib

    writes: list[bytes] = []
    send = smtplib.SMTP.send

    def counting(self, data):
        writes.append(data if isinstance(data, bytes) else data.encode())
        return send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", counting)
    return writes


def test_email_batch_is_pipelined_when_the_server_offers_it(
    page, smtp, fast, subscribe, monkeypatch
):
    for i in range(10):
        subscribe(f"user{i}@example.com")
    declare(page)
    writes = sends_counted(monkeypatch)

    drain()

    assert len(smtp.messages) == 10
    if smtp.handler.pipelining:
        # EHLO, the first envelope, each message with the next envelope, QUIT.
        assert len(writes) == 13
        assert writes[1].startswith(b"MAIL FROM:") and writes[1].endswith(b"\r\nDATA\r\n")
        assert all(b"\r\n.\r\nMAIL FROM:" in w for w in writes[2:11])
        assert writes[11].endswith(b"\r\n.\r\n")
    else:
        # EHLO, then MAIL, RCPT, DATA and the message one at a time, QUIT.
        assert len(writes) == 2 + 4 * 10


def test_email_refused_in_the_middle_of_a_batch_spares_the_others(page, smtp, fast, subscribe):
    subscribers = [subscribe(f"user{i}@example.com") for i in range(6)]
    smtp.handler.refuse["user1@example.com"] = "451 Mailbox busy"
    smtp.handler.refuse["user2@example.com"] = "550 No such user"
    smtp.handler.reject["user4@example.com"] = "554 Rejected as spam"
    declare(page)

    Worker(threads=0).run_once()  # one attempt, not the whole schedule

    states = {
        d.subscriber.email: (d.state, d.last_error[:3])
        for d in Delivery.objects.select_related("subscriber")
    }
    assert states == {
        "user0@example.com": (DeliveryState.SENT, ""),
        "user1@example.com": (DeliveryState.PENDING, "SMT"),
        "user2@example.com": (DeliveryState.FAILED, "SMT"),
        "user3@example.com": (DeliveryState.SENT, ""),
        "user4@example.com": (DeliveryState.FAILED, "SMT"),
        "user5@example.com": (DeliveryState.SENT, ""),
    }
    assert "451" in Delivery.objects.get(subscriber=subscribers[1]).last_error
    assert "554" in Delivery.objects.get(subscriber=subscribers[4]).last_error
    quarantined = Subscriber.objects.filter(state=SubscriberState.QUARANTINED)
    assert set(quarantined.values_list("email", flat=True)) == {
        "user2@example.com",
        "user4@example.com",
    }
    assert {m["To"] for m in smtp.messages} == {f"user{i}@example.com" for i in (0, 3, 5)}


def test_email_sender_refused_blames_nobody_and_retries(page, smtp, fast, subscribe):
    subscribers = [subscribe(f"user{i}@example.com") for i in range(3)]
    smtp.handler.refuse_sender = "553 Sender address rejected"
    declare(page)

    Worker(threads=0).run_once()

    for d in Delivery.objects.all():
        assert (d.state, d.attempts) == (DeliveryState.PENDING, 1)
        assert "sender refused: 553" in d.last_error
    for s in subscribers:
        s.refresh_from_db()
        assert s.state == SubscriberState.ACTIVE
    assert smtp.messages == []

    smtp.handler.refuse_sender = ""
    drain()
    assert len(smtp.messages) == 3


def test_email_lines_starting_with_a_dot_arrive_intact(page, smtp, fast, subscribe):
    subscribe("ann@example.com")
    services.declare_incident(
        page,
        by=None,
        name="Dots",
        message="First line.\n\n.\n\n..two dots\n\n.htaccess was changed",
    )

    drain()

    [message] = smtp.messages
    text = message.get_body(("plain",)).get_content()
    assert "\n.\n" in text.replace("\r\n", "\n")
    assert "..two dots" in text
    assert ".htaccess was changed" in text


def test_email_connection_closed_while_idle_is_reopened(page, smtp, fast, subscribe, settings):
    subscribe("ann@example.com")
    worker = Worker(threads=0)
    declare(page)
    worker.drain()
    assert len(smtp.messages) == 1

    # The server goes away and comes back (a restart, an idle timeout) between two batches.
    smtp.stop()
    smtp.start()
    services.post_update(Incident.objects.get(), by=None, status="identified", message="Found it.")
    worker.drain()
    worker.close()

    delivery = Delivery.objects.latest("pk")
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 1)
    assert len(smtp.messages) == 2


@pytest.mark.parametrize(
    "text",
    [
        "Hello,\n\nUnsubscribe: https://candor.invalid/__unsubscribe__\n",
        "no newline at the end https://candor.invalid/__manage__",
        "trailing spaces   \n\ttab\t\n" + "long " * 40 + "\n=equals= and ü, é, 日本\n",
        '<a href="https://candor.invalid/__unsubscribe__">x</a> '
        + "y" * 90
        + "\r\nmanage https://candor.invalid/__manage__ and again "
        + "https://candor.invalid/__unsubscribe__\r\n.\n",
        "",
    ],
)
def test_spliced_quoted_printable_equals_encoding_the_whole(text):
    from candor.core.transports.email import Composer, _qp, _segments, _splice

    unsubscribe, manage = "https://status.example.com/u/Ab:c-d_e/", "https://s.example/m/x=y/"
    whole = text.replace(Composer._URL, unsubscribe).replace(Composer._MANAGE, manage)

    assert _splice(_segments(text), unsubscribe, manage) == _qp(whole)
