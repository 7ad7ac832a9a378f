"""A real SMTP server on loopback for the tests (aiosmtpd, from PyPI).

Usage: python smtp_sink.py PORT FILE. Every message it accepts is appended to FILE as one JSON
line: envelope, decoded subject, headers, decoded text body and arrival time. It prints
"ready" once it listens and stops when its standard input closes.
"""

import email
import email.policy
import json
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(message["Subject"]),
            "headers": {name: str(value) for name, value in message.items()},
            "body": message.get_content(),
            "at": time.time(),
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(path), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
