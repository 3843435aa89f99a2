"""The SMTP fixture really receives what Django's mail system sends, Japanese headers decoded."""

from django.core.mail import EmailMultiAlternatives

from tests.fixtures.smtp import SMTPInbox, html_body, text_body


def test_mail_arrives_at_the_loopback_server_with_japanese_decoded(smtp: SMTPInbox) -> None:
    message = EmailMultiAlternatives("ご登録のご案内", "本文です。", to=["taro@example.jp"])
    message.attach_alternative("<p>本文です。</p>", "text/html")
    message.send()
    [received] = smtp.wait_for(1)
    assert received["Subject"] == "ご登録のご案内"
    assert text_body(received).strip() == "本文です。"
    assert "<p>本文です。</p>" in html_body(received)
    assert smtp.to("taro@example.jp") == [received]
