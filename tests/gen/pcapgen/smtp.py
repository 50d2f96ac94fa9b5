"""An SMTP submission dialogue (RFC 5321) and a plain-text message (RFC 5322) to send in it."""

from typing import List, Sequence, Tuple


def mail_message(*, sender: str, recipients: Sequence[str], subject: str, date: str,
                 message_id: str, body: str) -> bytes:
    """A minimal single-part text message with CRLF line ends; ``date`` is fixed by the caller
    so the bytes never depend on when the script runs."""
    headers = [f"From: <{sender}>", f"To: {', '.join(f'<{r}>' for r in recipients)}",
               f"Subject: {subject}", f"Date: {date}", f"Message-ID: <{message_id}>",
               "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"]
    lines = headers + [""] + body.replace("\r\n", "\n").split("\n")
    return "\r\n".join(lines).encode("utf-8") + b"\r\n"


def dot_stuff(message: bytes) -> bytes:
    """DATA transparency (RFC 5321 4.5.2): double leading dots, end with ``CRLF.CRLF``."""
    lines = message.split(b"\r\n")
    if lines[-1] == b"":
        lines.pop()
    stuffed = [b"." + line if line.startswith(b".") else line for line in lines]
    return b"\r\n".join(stuffed) + b"\r\n.\r\n"


def smtp_dialogue(*, server_name: str, client_name: str, sender: str,
                  recipients: Sequence[str], message: bytes) -> List[Tuple[bool, bytes]]:
    """Banner to QUIT as ``(from_client, bytes)`` turns for ``TcpSession.exchange``.

    Plain SMTP without STARTTLS, so the message stays visible to a passive monitor.
    """
    def line(text: str) -> bytes:
        return text.encode("ascii") + b"\r\n"

    turns = [
        (False, line(f"220 {server_name} ESMTP Postfix")),
        (True, line(f"EHLO {client_name}")),
        (False, line(f"250-{server_name}") + line("250-PIPELINING") + line("250-SIZE 10240000")
         + line("250-8BITMIME") + line("250 SMTPUTF8")),
        (True, line(f"MAIL FROM:<{sender}>")),
        (False, line("250 2.1.0 Ok")),
    ]
    for recipient in recipients:
        turns += [(True, line(f"RCPT TO:<{recipient}>")), (False, line("250 2.1.5 Ok"))]
    turns += [
        (True, line("DATA")),
        (False, line("354 End data with <CR><LF>.<CR><LF>")),
        (True, dot_stuff(message)),
        (False, line("250 2.0.0 Ok: queued")),
        (True, line("QUIT")),
        (False, line("221 2.0.0 Bye")),
    ]
    return turns
