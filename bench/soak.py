"""Soak test of the Telegram and WhatsApp channels end to end, with duplicate deliveries and server kills.

Simulated users (half Telegram, half WhatsApp, five languages) talk closed-loop through the real webhooks to a
fresh assistant whose replies go to the Bot API / Messages API stand-ins: each user sends a message, waits for
its answer, then sends the next. The messages (greeting, thanks, goodbye in the user's language) are answered
with one provider call each, and their answers are told apart by text, so a late or repeated answer is
attributed to the message it belongs to. 5 % of the messages are delivered twice with the same update_id /
MessageSid (half concurrently, half 0.5-30 s later). When a webhook fails (connection refused, reset, timeout
or a non-2xx status) the sender retries the same delivery after a short backoff, as Telegram and Twilio do;
such retries are counted apart from the duplicates. During the run the Rasa server gets a ``kill -9`` (at 30 %
of the messages) and is restarted, then the action server (at 65 %).

Prints: messages sent, deliveries (duplicates, retries), answered, lost (no answer by the end plus a grace
period), answered twice, answers that were the apology, and p50/p95 latency (webhook POST accepted -> reply
recorded by the stand-in), per channel and overall, and the kill times.

    .venv/bin/python bench/soak.py              # 10,000 messages, 200 users, with the kills
    .venv/bin/python bench/soak.py --quick      # 400 messages, 20 users
    .venv/bin/python bench/soak.py --messages 2000 --users 50 --no-kills
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._harness import (
    ReplyIndex,
    ReplyKinds,
    Sender,
    Stack,
    form_body,
    log,
    ms,
    next_message_sid,
    next_update_id,
    percentile,
    raise_keyboard_interrupt_on_sigterm,
    shorten,
    telegram_update,
    traceback_frames,
    tracebacks,
    twilio_fields,
    twilio_signature,
)

PHRASES = {  # training examples, so the intents are certain: each is answered by one provider call
    "en": {"greet": "hello", "thank": "thanks", "goodbye": "goodbye"},
    "es": {"greet": "hola", "thank": "gracias", "goodbye": "adios"},
    "ro": {"greet": "buna ziua", "thank": "multumesc", "goodbye": "la revedere"},
    "fr": {"greet": "bonjour", "thank": "merci", "goodbye": "au revoir"},
    "de": {"greet": "hallo", "thank": "danke", "goodbye": "tschüss"},
}
CYCLE = ("greet", "thank", "goodbye")  # each user's messages rotate through these
PHONE_PREFIX = {"en": "+44", "es": "+34", "ro": "+40", "fr": "+33", "de": "+49"}
CHANNELS = ("telegram", "whatsapp")
BACKOFF = (0.25, 0.5, 1.0, 2.0)  # seconds between retries of a failed delivery, then 2 s


@dataclass
class Message:
    channel: str
    user: int
    seq: int
    kind: str
    text: str
    uid: str  # update_id / MessageSid
    body: bytes
    signature: str | None = None
    sent_at: float | None = None  # first POST started
    accepted_at: float | None = None  # first 2xx received (by the original or a duplicate delivery)
    gave_up: bool = False  # never accepted within the delivery deadline
    duplicate: str = ""  # "", "concurrent" or "later"
    answers: list = field(default_factory=list)  # replies attributed to it (after the run): answers, apologies
    notices: list = field(default_factory=list)  # "still working on it" notices attributed to it

    @property
    def real(self) -> list:
        return [r for r in self.answers if r.kind not in ReplyKinds.APOLOGIES]

    @property
    def apologies(self) -> list:
        return [r for r in self.answers if r.kind in ReplyKinds.APOLOGIES]


@dataclass
class User:
    index: int
    channel: str
    lang: str
    address: str  # chat id or whatsapp:+number
    messages: list[Message] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.channel, self.address)


class Stats:
    """Thread-safe counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counter: Counter = Counter()

    def add(self, key: object, amount: int = 1) -> None:
        with self._lock:
            self.counter[key] += amount

    def __getitem__(self, key: object) -> int:
        with self._lock:
            return self.counter[key]


class Soak:
    def __init__(self, args: argparse.Namespace, stack: Stack) -> None:
        self.args = args
        self.stack = stack
        self.replies = ReplyIndex(stack)
        self.stats = Stats()
        self.stop = threading.Event()
        self.started = time.monotonic()
        self.deadline = self.started + args.max_minutes * 60
        self.events: list[tuple[float, str]] = []  # (monotonic, what) kills and restarts
        self.windows: list[tuple[str, float, float]] = []  # (server, killed at, ready again at)
        self.local = threading.local()
        self.duplicates = ThreadPoolExecutor(max_workers=48, thread_name_prefix="dup")
        self.users = self._make_users(args.messages, args.users, args.seed)
        self.total = sum(len(u.messages) for u in self.users)
        self.continuations: set[str] = set()
        self.finished: float | None = None

    # ------------------------------------------------------------ set-up

    def _make_users(self, messages: int, users: int, seed: int, offset: int = 0) -> list[User]:
        made = []
        base_chat = 6_000_000_000 + random.Random(seed).randrange(10_000_000) * 100
        per_user, extra = divmod(messages, users)
        for index in range(users):
            channel = CHANNELS[0] if index < users // 2 + users % 2 else CHANNELS[1]
            lang = tuple(PHRASES)[index % len(PHRASES)]
            number = offset + index
            address = str(base_chat + number) if channel == "telegram" else \
                f"whatsapp:{PHONE_PREFIX[lang]}7{(base_chat + number) % 100_000_000:08d}"
            user = User(index + offset, channel, lang, address)
            for seq in range(per_user + (1 if index < extra else 0)):
                user.messages.append(self._message(user, seq, CYCLE[seq % len(CYCLE)]))
            made.append(user)
        return made

    def _message(self, user: User, seq: int, kind: str) -> Message:
        text = PHRASES[user.lang][kind]
        if user.channel == "telegram":
            update = telegram_update(int(user.address), text, user.lang, update_id=next_update_id(),
                                     message_id=seq + 1)
            return Message("telegram", user.index, seq, kind, text, str(update["update_id"]),
                           json.dumps(update).encode())
        fields = twilio_fields(user.address, text, sid=next_message_sid())
        return Message("whatsapp", user.index, seq, kind, text, fields["MessageSid"], form_body(fields),
                       twilio_signature(fields))

    def sender(self) -> Sender:
        sender = getattr(self.local, "sender", None)
        if sender is None:
            sender = self.local.sender = Sender(self.stack.url, timeout=self.args.post_timeout)
        return sender

    # ------------------------------------------------------------ delivery

    def post_once(self, message: Message) -> tuple[bool, str]:
        sender = self.sender()
        try:
            if message.channel == "telegram":
                answer = sender.telegram(message.body)
            else:
                answer = sender.whatsapp(message.body, message.signature)
        except requests.ConnectionError as exc:
            text = str(exc)
            return False, "connection refused" if "refused" in text.lower() else "connection error/reset"
        except requests.Timeout:
            return False, "timeout"
        except requests.RequestException as exc:
            return False, type(exc).__name__
        if 200 <= answer.status_code < 300:
            if message.channel == "telegram":
                with suppress(ValueError):
                    self.stats.add(("outcome", answer.json().get("outcome")))
            return True, str(answer.status_code)
        return False, str(answer.status_code)

    def deliver(self, message: Message, duplicate: bool = False) -> bool:
        """POST until a 2xx (retrying like the providers do), the delivery deadline or the end of the run."""
        give_up = time.monotonic() + self.args.delivery_deadline
        attempt = 0
        while not self.stop.is_set() and time.monotonic() < min(give_up, self.deadline):
            if attempt == 0 and not duplicate and message.sent_at is None:
                message.sent_at = time.monotonic()
            self.stats.add((message.channel, "deliveries"))
            if attempt:
                self.stats.add((message.channel, "retries"))
            elif duplicate:
                self.stats.add((message.channel, "duplicates"))
            ok, status = self.post_once(message)
            self.stats.add(("status", status))
            if ok:
                if message.accepted_at is None:
                    message.accepted_at = time.monotonic()
                return True
            self.stop.wait(BACKOFF[min(attempt, len(BACKOFF) - 1)])
            attempt += 1
        return False

    def duplicate_later(self, message: Message, delay: float) -> None:
        if not self.stop.wait(delay):
            self.deliver(message, duplicate=True)

    # ------------------------------------------------------------ users

    def run_user(self, user: User, rng: random.Random, answer_timeout: float) -> None:
        seen = 0
        for message in user.messages:
            if self.stop.is_set() or time.monotonic() > self.deadline:
                return
            message.sent_at = time.monotonic()
            if rng.random() < self.args.duplicates:
                if rng.random() < 0.5:
                    message.duplicate = "concurrent"
                    self.duplicates.submit(self.deliver, message, True)
                else:
                    message.duplicate = "later"
                    self.duplicates.submit(self.duplicate_later, message, rng.uniform(0.5, 30))
            if not self.deliver(message):
                message.gave_up = message.accepted_at is None
                if message.gave_up:
                    continue
            deadline = (message.accepted_at or time.monotonic()) + answer_timeout
            while not self.stop.is_set():
                reply = self.replies.wait(user.key, seen, min(deadline, time.monotonic() + 1))
                if reply is None:
                    if time.monotonic() >= deadline:
                        break
                    continue
                seen += 1
                if reply.kind in ReplyKinds.NOTICES or reply.kind in self.continuations:
                    continue  # "still working on it": the answer should follow
                if reply.kind == message.kind or reply.kind not in CYCLE:
                    self.stats.add((user.channel, "answered in time"))
                    break  # else: a late or repeated answer to an earlier message; keep waiting

    def calibrate(self) -> None:
        """One user per channel and language says each phrase once: check the answer's kind and count the
        provider calls one message causes (a second call of another kind is a continuation, not a turn)."""
        users = self._make_users(len(CYCLE) * 2 * len(PHRASES), 2 * len(PHRASES), self.args.seed + 1,
                                 offset=10_000)
        calls: dict[str, Counter] = {kind: Counter() for kind in CYCLE}
        problems: list[str] = []

        def one(user: User) -> None:
            seen = 0
            for message in user.messages:
                if not self.deliver(message):
                    problems.append(f"{user.channel}/{user.lang}: {message.text!r} was not accepted")
                    continue
                first = self.replies.wait(user.key, seen, time.monotonic() + 120)
                if first is None:
                    problems.append(f"{user.channel}/{user.lang}: no answer to {message.text!r}")
                    continue
                time.sleep(1.5)
                got = self.replies.replies(user.key)[seen:]
                seen += len(got)
                got = [r for r in got if r.kind not in ReplyKinds.NOTICES] or got
                kinds = [r.kind for r in got]
                calls[message.kind][len(got)] += 1
                if kinds[0] != message.kind:
                    problems.append(f"{user.channel}/{user.lang}: {message.text!r} answered as {kinds}")
                self.continuations.update(k for k in kinds[1:] if k not in CYCLE)

        with ThreadPoolExecutor(len(users)) as pool:
            list(pool.map(one, users))
        summary = "; ".join(f"{kind}: " + ", ".join(f"{n} call(s) x{c}" for n, c in sorted(counter.items()))
                            for kind, counter in calls.items())
        log(f"calibration: provider calls per answer: {summary}"
            + (f"; continuation kinds {sorted(self.continuations)}" if self.continuations else ""))
        for problem in problems:
            log(f"calibration problem: {problem}")
        if self.continuations & {*ReplyKinds.APOLOGIES, "other"}:
            log("warning: an answer's continuation has a kind also counted as an answer; figures may be off")

    # ------------------------------------------------------------ kills

    def progress(self) -> tuple[int, int]:
        accepted = sum(1 for u in self.users for m in u.messages if m.accepted_at is not None)
        answered = self.stats[("telegram", "answered in time")] + self.stats[("whatsapp", "answered in time")]
        return accepted, answered

    def controller(self, done: Callable[[], bool]) -> None:
        plan = [] if self.args.no_kills else [(0.30, "rasa"), (0.65, "actions")]
        last_report = time.monotonic()
        while not self.stop.is_set() and not done():
            accepted, answered = self.progress()
            if time.monotonic() - last_report >= 15:
                last_report = time.monotonic()
                log(f"progress: {accepted}/{self.total} accepted, {answered} answered in time, "
                    f"{self.stats[('telegram', 'retries')] + self.stats[('whatsapp', 'retries')]} retries")
            if plan and accepted >= plan[0][0] * self.total:
                _, name = plan.pop(0)
                self.kill_and_restart(name)
                continue
            self.stop.wait(0.5)

    def kill_and_restart(self, name: str) -> None:
        killed = time.monotonic()
        self.stack.kill(name)
        self.events.append((killed, f"kill -9 {name}"))
        log(f"kill -9 of the {name} server at +{killed - self.started:.1f} s; restarting")
        try:
            self.stack.start(name)
            self.stack.wait_ready(name)
        except RuntimeError as exc:
            log(f"could not restart the {name} server: {exc}; stopping the run")
            self.stop.set()
            return
        ready = time.monotonic()
        self.events.append((ready, f"{name} ready again"))
        self.windows.append((name, killed, ready))
        log(f"the {name} server is ready again after {ready - killed:.1f} s")

    # ------------------------------------------------------------ the run

    def run(self) -> None:
        self.calibrate()
        self.started = time.monotonic()
        self.deadline = self.started + self.args.max_minutes * 60
        log(f"soak: {self.total} messages from {len(self.users)} users "
            f"({sum(u.channel == 'telegram' for u in self.users)} Telegram, "
            f"{sum(u.channel == 'whatsapp' for u in self.users)} WhatsApp), "
            f"{self.args.duplicates:.0%} duplicate deliveries, answer timeout {self.args.answer_timeout:.0f} s"
            + ("" if self.args.no_kills else ", kills at 30 % (Rasa) and 65 % (actions)"))
        threads = [threading.Thread(target=self.run_user, name=f"user-{u.index}", daemon=True,
                                    args=(u, random.Random(self.args.seed * 100_003 + u.index),
                                          self.args.answer_timeout)) for u in self.users]
        for thread in threads:
            thread.start()
        controller = threading.Thread(target=self.controller, daemon=True,
                                      args=(lambda: not any(t.is_alive() for t in threads),))
        controller.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(1)
        controller.join()
        self.finished = time.monotonic()
        log("all users done; waiting for late duplicates and answers (grace period)")
        self.duplicates.shutdown(wait=True)
        waited = self.replies.wait_quiet(self.args.grace, self.args.grace * 4)
        log(f"no new reply for {self.args.grace:.0f} s (waited {waited:.0f} s)")

    # ------------------------------------------------------------ figures

    def attribute(self) -> int:
        """Give each reply turn to the message it answers; returns the replies that answer nothing."""
        unattributed = 0
        for user in self.users:
            sent = [m for m in user.messages if m.sent_at is not None]
            for reply in self.replies.replies(user.key):
                if reply.kind in self.continuations:
                    continue
                before = [m for m in sent if m.sent_at <= reply.at]
                if reply.kind in CYCLE:
                    before = [m for m in before if m.kind == reply.kind]
                if not before:
                    unattributed += 1
                    continue
                (before[-1].notices if reply.kind in ReplyKinds.NOTICES else before[-1].answers).append(reply)
        return unattributed

    def report(self, interrupted: bool = False) -> None:
        unattributed = self.attribute()
        elapsed = (self.finished or time.monotonic()) - self.started
        rows = {}
        lost_messages: list[Message] = []
        for channel in (*CHANNELS, "overall"):
            messages = [m for u in self.users if channel in ("overall", u.channel) for m in u.messages]
            sent = [m for m in messages if m.sent_at is not None]
            accepted = [m for m in sent if m.accepted_at is not None]
            answered = [m for m in accepted if m.real]
            apology_only = [m for m in accepted if not m.real and m.apologies]
            lost = [m for m in accepted if not m.answers]
            twice = [m for m in accepted if len(m.real) > 1]
            extra = sum(len(m.real) - 1 for m in twice)
            both = [m for m in answered if m.apologies]
            noticed = [m for m in accepted if m.notices]
            wrong = [m for m in answered if m.real[0].kind != m.kind]
            users_over = sum(1 for u in self.users if channel in ("overall", u.channel)
                             and sum(1 for r in self.replies.replies(u.key) if r.kind not in self.continuations
                                     and r.kind not in ReplyKinds.NOTICES)
                             > sum(1 for m in u.messages if m.sent_at is not None))
            latencies = [max(0.0, m.real[0].at - m.accepted_at) for m in answered]
            apology_latencies = [max(0.0, m.apologies[0].at - m.accepted_at) for m in apology_only]
            keys = CHANNELS if channel == "overall" else (channel,)
            stat = lambda name, keys=keys: sum(self.stats[(k, name)] for k in keys)  # noqa: E731
            rows[channel] = dict(
                sent=len(sent), deliveries=stat("deliveries"), duplicates=stat("duplicates"),
                retries=stat("retries"), gave_up=sum(m.gave_up for m in sent), answered=len(answered),
                apology_only=len(apology_only), lost=len(lost), twice=len(twice), extra=extra, both=len(both),
                noticed=len(noticed), wrong=len(wrong), users_over=users_over,
                p50=percentile(latencies, 50), p95=percentile(latencies, 95), p99=percentile(latencies, 99),
                max=max(latencies) if latencies else None, apology_p50=percentile(apology_latencies, 50),
                not_sent=len(messages) - len(sent))
            if channel == "overall":
                lost_messages = lost
        print()
        print("=" * 100)
        print(f"SOAK RESULTS{' (interrupted)' if interrupted else ''}: {len(self.users)} users, "
              f"{self.total} messages planned, run {elapsed:.0f} s")
        print("=" * 100)
        header = (f"{'':9} {'sent':>6} {'deliv.':>7} {'dups':>5} {'retries':>7} {'answered':>8} "
                  f"{'apology':>7} {'lost':>5} {'twice':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
        print(header)
        for channel, row in rows.items():
            print(f"{channel:9} {row['sent']:>6} {row['deliveries']:>7} {row['duplicates']:>5} "
                  f"{row['retries']:>7} {row['answered']:>8} {row['apology_only']:>7} {row['lost']:>5} "
                  f"{row['twice']:>5} {ms(row['p50']):>7} {ms(row['p95']):>7} {ms(row['p99']):>7} "
                  f"{ms(row['max']):>7}")
        overall = rows["overall"]
        print("(answered: got its answer; apology: got only an apology; lost: got nothing; twice: got its answer "
              "more than once; latency: webhook accepted -> first answer recorded by the stand-in)")
        print()
        print(f"messages sent (unique): {overall['sent']}   deliveries: {overall['deliveries']} "
              f"(of which duplicates {overall['duplicates']}, retries after a failed delivery {overall['retries']})")
        print(f"answered: {overall['answered']}   only an apology: {overall['apology_only']} (p50 "
              f"{ms(overall['apology_p50']).strip()} ms)   lost (accepted, no answer by the end + "
              f"{self.args.grace:.0f} s grace): {overall['lost']}   never accepted (gave up retrying): "
              f"{overall['gave_up']}   not sent (run deadline/interrupted): {overall['not_sent']}")
        if interrupted:
            print("(interrupted: 'lost' includes the messages that were still waiting for their answer)")
        print(f"answered twice: {overall['twice']} message(s), {overall['extra']} extra answer(s); users with more "
              f"reply turns than messages: {overall['users_over']}; replies matching no message: {unattributed}")
        print(f"an apology and then the answer: {overall['both']}; a 'still working' notice: {overall['noticed']}; "
              f"answered with another intent's reply: {overall['wrong']}")
        duplicates = Counter(m.duplicate for u in self.users for m in u.messages if m.duplicate)
        twice_dup = Counter(m.duplicate or "none" for u in self.users for m in u.messages if len(m.real) > 1)
        print(f"duplicate deliveries planned: {dict(duplicates)}; answered-twice messages by duplicate mode: "
              f"{dict(twice_dup) or 0}")
        statuses = {k[1]: v for k, v in self.stats.counter.items() if k[0] == "status"}
        outcomes = {k[1]: v for k, v in self.stats.counter.items() if k[0] == "outcome"}
        print(f"webhook answers: {dict(sorted(statuses.items()))}")
        print(f"Telegram webhook outcomes (2xx): {dict(sorted(outcomes.items(), key=str))}")
        print()
        if self.events:
            print("kills (seconds since the start of the run):")
            for at, what in self.events:
                print(f"   +{at - self.started:7.1f} s  {what}")
        else:
            print("kills: none" + (" (--no-kills)" if self.args.no_kills else ""))
        apologised = [m for u in self.users for m in u.messages
                      if m.accepted_at is not None and not m.real and m.apologies]
        for what, which in (("lost messages", lost_messages), ("messages answered only with an apology",
                                                                apologised)):
            if which:
                print(f"{what} by when they were accepted:")
                buckets = Counter(self._window_of(m.accepted_at) for m in which)
                for bucket, count in sorted(buckets.items()):
                    print(f"   {count:5}  {bucket}")
        doubles = [m for u in self.users for m in u.messages if len(m.real) > 1]
        if doubles:
            print("messages answered more than once (first 10):")
            for m in doubles[:10]:
                print(f"   {m.channel} user {m.user} message {m.seq} {m.text!r} ({m.uid[:14]}, duplicate: "
                      f"{m.duplicate or 'no'}): sent +{m.sent_at - self.started:.1f} s, accepted "
                      f"+{m.accepted_at - self.started:.1f} s, answers at "
                      + ", ".join(f"+{r.at - self.started:.1f} s ({r.kind})" for r in m.answers))
        count, exceptions = tracebacks(self.stack.log_path("rasa"))
        print(f"Rasa server log: {count} Traceback(s)")
        for line, times in exceptions.most_common(8):
            frames = traceback_frames(self.stack.log_path("rasa"), line)
            print(f"   {times:5} x {shorten(line, 160)}" + (f"\n           at {' -> '.join(frames)}" if frames else ""))
        actions_count, _ = tracebacks(self.stack.log_path("actions"))
        print(f"action server log: {actions_count} Traceback(s)")

    def _window_of(self, at: float) -> str:
        for name, killed, ready in self.windows:
            if killed - 30 <= at < killed:
                return f"in the 30 s before the kill of the {name} server"
            if killed <= at <= ready + 5:
                return f"while the {name} server was down or restarting (+5 s)"
        return "elsewhere (no kill nearby)"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000, help="unique messages in all (default 10000)")
    parser.add_argument("--users", type=int, default=200, help="simulated users, half per channel (default 200)")
    parser.add_argument("--quick", action="store_true", help="400 messages from 20 users")
    parser.add_argument("--no-kills", action="store_true", help="no kill of the Rasa or the action server")
    parser.add_argument("--duplicates", type=float, default=0.05, help="share delivered twice (default 0.05)")
    parser.add_argument("--answer-timeout", type=float, default=None,
                        help="seconds a user waits for an answer before sending its next message (default: "
                             "2.5 times the Rasa server's start-up time, at least 60: a restart fits in it)")
    parser.add_argument("--delivery-deadline", type=float, default=900,
                        help="seconds a sender keeps retrying one delivery (default 900)")
    parser.add_argument("--post-timeout", type=float, default=30, help="HTTP timeout of one webhook POST")
    parser.add_argument("--grace", type=float, default=20,
                        help="seconds without any new reply that end the run (default 20)")
    parser.add_argument("--max-minutes", type=float, default=120, help="stop sending after this (default 120)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir (logs, databases)")
    args = parser.parse_args(argv)
    if args.quick:
        args.messages, args.users = 400, 20
    if args.users < 2 or args.messages < args.users:
        parser.error("need at least 2 users and one message per user")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_keyboard_interrupt_on_sigterm()
    stack = Stack(keep=args.keep)
    soak: Soak | None = None
    try:
        startup = stack.start_all()
        if args.answer_timeout is None:
            args.answer_timeout = max(60.0, 2.5 * startup)
        soak = Soak(args, stack)
        soak.run()
        soak.report()
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the servers", flush=True)
        if soak is not None:
            soak.stop.set()
            soak.duplicates.shutdown(wait=False, cancel_futures=True)
            soak.report(interrupted=True)
        return 130
    except RuntimeError as exc:
        print(f"soak failed: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        if soak is not None:
            soak.stop.set()
        stack.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
