"""Tables of our own database. Changing them needs an Alembic migration (``lmi4vet/db/migrations``)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Dataset(Base):
    """One source release: a Eurostat dataset, the ESCO classification, a shortage report."""

    __tablename__ = "datasets"
    id = Column(Integer, primary_key=True)
    code = Column(String(64), nullable=False, unique=True)  # une_rt_a, esco, eures_shortages_2023...
    title = Column(String(300), nullable=False, default="")
    source_name = Column(String(120), nullable=False)  # "Eurostat", "ESCO (European Commission)"...
    url = Column(String(500), nullable=False, default="")
    licence = Column(String(300), nullable=False, default="")
    extracted_on = Column(Date, nullable=True)
    source_updated = Column(Date, nullable=True)  # the data's last update at the source (Eurostat "LAST UPDATE")
    version = Column(String(32), nullable=False, default="")
    file_name = Column(String(300), nullable=False, default="")
    imported_at = Column(DateTime, nullable=False, server_default=func.now())
    facts = relationship("Fact", back_populates="dataset", cascade="all, delete-orphan", passive_deletes=True)


class Fact(Base):
    """One figure: an indicator's value for a place and period, with its flags and provenance."""

    __tablename__ = "facts"
    id = Column(Integer, primary_key=True)
    dataset_id = Column(Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False)
    indicator = Column(String(48), nullable=False)
    geo = Column(String(16), nullable=False)
    period = Column(String(16), nullable=False)  # 2024, 2024-Q4, 2025-S1
    year = Column(Integer, nullable=False)
    value = Column(Float, nullable=True)  # None: Eurostat ':' (not available)
    unit = Column(String(32), nullable=False)
    flags = Column(String(16), nullable=False, default="")
    secondary = Column(Boolean, nullable=False, default=False)  # transcribed from a secondary source
    secondary_publisher = Column(String(160), nullable=True)  # who published it, when secondary ("Le Monde")
    breakdown = Column(String(64), nullable=False, default="", server_default="")  # "isco08=OC7"; "" = none
    note = Column(Text, nullable=True)  # for admins only; never shown to users
    dataset = relationship("Dataset", back_populates="facts")
    __table_args__ = (
        UniqueConstraint("indicator", "geo", "period", "breakdown", "dataset_id", name="uq_fact"),
        Index("ix_fact_lookup", "indicator", "geo", "year"),
    )


class IscoGroup(Base):
    """An ISCO-08 group (1 to 4 digits)."""

    __tablename__ = "isco_groups"
    code = Column(String(4), primary_key=True)
    uri = Column(String(255), nullable=False, default="")


class IscoGroupLabel(Base):
    __tablename__ = "isco_group_labels"
    id = Column(Integer, primary_key=True)
    code = Column(String(4), ForeignKey("isco_groups.code", ondelete="CASCADE"), nullable=False)
    lang = Column(String(5), nullable=False)
    label = Column(String(500), nullable=False)
    __table_args__ = (UniqueConstraint("code", "lang", name="uq_isco_label"),)


class Occupation(Base):
    """An ESCO occupation."""

    __tablename__ = "occupations"
    uri = Column(String(255), primary_key=True)
    isco_code = Column(String(4), nullable=False, default="", index=True)
    esco_code = Column(String(32), nullable=False, default="")
    sector = Column(String(40), nullable=True)
    origin = Column(String(16), nullable=False, default="esco")  # esco | curated
    labels = relationship("OccupationLabel", cascade="all, delete-orphan", passive_deletes=True)


class OccupationLabel(Base):
    """A name of an occupation in one language: preferred, ESCO alternative/hidden, or our synonym."""

    __tablename__ = "occupation_labels"
    id = Column(Integer, primary_key=True)
    occupation_uri = Column(String(255), ForeignKey("occupations.uri", ondelete="CASCADE"), nullable=False)
    lang = Column(String(5), nullable=False)
    kind = Column(String(12), nullable=False)  # preferred | alt | hidden | synonym
    label = Column(String(500), nullable=False)
    normalized = Column(String(500), nullable=False)
    project_translation = Column(Boolean, nullable=False, default=False)
    __table_args__ = (
        UniqueConstraint("occupation_uri", "lang", "kind", "label", name="uq_occupation_label"),
        Index("ix_occupation_label_search", "lang", "normalized"),
    )


class Skill(Base):
    """An ESCO skill, competence or knowledge concept."""

    __tablename__ = "skills"
    uri = Column(String(255), primary_key=True)
    skill_type = Column(String(32), nullable=False, default="")
    reuse_level = Column(String(32), nullable=False, default="")


class SkillLabel(Base):
    __tablename__ = "skill_labels"
    id = Column(Integer, primary_key=True)
    skill_uri = Column(String(255), ForeignKey("skills.uri", ondelete="CASCADE"), nullable=False)
    lang = Column(String(5), nullable=False)
    kind = Column(String(12), nullable=False)  # preferred | alt
    label = Column(String(1000), nullable=False)
    project_translation = Column(Boolean, nullable=False, default=False)
    __table_args__ = (UniqueConstraint("skill_uri", "lang", "kind", "label", name="uq_skill_label"),)


class OccupationSkill(Base):
    """ESCO's occupation-skill relation (essential or optional)."""

    __tablename__ = "occupation_skills"
    occupation_uri = Column(String(255), ForeignKey("occupations.uri", ondelete="CASCADE"), primary_key=True)
    skill_uri = Column(String(255), ForeignKey("skills.uri", ondelete="CASCADE"), primary_key=True)
    relation = Column(String(12), nullable=False)  # essential | optional


class Shortage(Base):
    """An occupation reported in shortage, EU-wide (geo EU27_2020) or in one country, by a named report."""

    __tablename__ = "shortages"
    id = Column(Integer, primary_key=True)
    dataset_id = Column(Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False)
    occupation_uri = Column(String(255), ForeignKey("occupations.uri", ondelete="CASCADE"), nullable=False)
    geo = Column(String(16), nullable=False)
    year = Column(Integer, nullable=False)
    rank = Column(Integer, nullable=True)
    note = Column(Text, nullable=True)
    __table_args__ = (UniqueConstraint("dataset_id", "occupation_uri", "geo", "year", name="uq_shortage"),)


class ImportRun(Base):
    """A log line per import: what was read, how many rows went in, how many were rejected."""

    __tablename__ = "import_runs"
    id = Column(Integer, primary_key=True)
    kind = Column(String(32), nullable=False)
    source = Column(String(500), nullable=False)
    started_at = Column(DateTime, nullable=False, server_default=func.now())
    finished_at = Column(DateTime, nullable=True)
    status = Column(String(16), nullable=False, default="running")  # ok | failed
    rows_ok = Column(Integer, nullable=False, default=0)
    rows_bad = Column(Integer, nullable=False, default=0)
    message = Column(Text, nullable=True)


class ChannelUser(Base):
    """How to reach a pseudonymous user: the only place where a chat id or phone number is stored."""

    __tablename__ = "channel_users"
    sender_id = Column(String(64), primary_key=True)  # keyed hash of channel + address (the tracker's id)
    channel = Column(String(16), nullable=False)
    address = Column(String(64), nullable=False)  # Telegram chat id, WhatsApp "whatsapp:+40..." number
    language_hint = Column(String(8), nullable=True)
    created_at = Column(DateTime, nullable=False, server_default=func.now())
    last_inbound_at = Column(DateTime, nullable=True)  # WhatsApp's 24-hour window starts here
    # Set when the provider says the person blocked the bot / unsubscribed (Telegram 403, Twilio 21610):
    # nothing is sent until they write again.
    stopped_at = Column(DateTime, nullable=True)
    stopped_reason = Column(String(120), nullable=True)


class ChannelEvent(Base):
    """Provider delivery ids already handled (Telegram update_id, Twilio MessageSid), for de-duplication."""

    __tablename__ = "channel_events"
    channel = Column(String(16), primary_key=True)
    event_id = Column(String(64), primary_key=True)
    seen_at = Column(DateTime, nullable=False, server_default=func.now(), index=True)


class PayloadKey(Base):
    """Short keys for button payloads too long for a channel (Telegram callback_data is at most 64 bytes)."""

    __tablename__ = "payload_keys"
    key = Column(String(32), primary_key=True)
    payload = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, server_default=func.now())


class NumberedMenu(Base):
    """The last numbered menu shown to a WhatsApp user, so that "2" or an option's text maps to its payload."""

    __tablename__ = "numbered_menus"
    sender_id = Column(String(64), primary_key=True)
    options = Column(Text, nullable=False)  # JSON list of [title, payload]
    created_at = Column(DateTime, nullable=False, server_default=func.now())


class CourseProgress(Base):
    """Where a user is in the self-training course (language-neutral: ids and step numbers)."""

    __tablename__ = "course_progress"
    sender_id = Column(String(64), primary_key=True)
    module_id = Column(String(16), nullable=False)
    step = Column(Integer, nullable=False, default=1)  # 1..lessons, then lessons+1..lessons+questions
    updated_at = Column(DateTime, nullable=False, server_default=func.now())


class QuizAnswer(Base):
    """A user's first answer to a quiz question (the one that counts for the score)."""

    __tablename__ = "quiz_answers"
    sender_id = Column(String(64), primary_key=True)
    question_id = Column(String(24), primary_key=True)
    module_id = Column(String(16), nullable=False, index=True)
    chosen = Column(Integer, nullable=False)
    correct = Column(Boolean, nullable=False)
    answered_at = Column(DateTime, nullable=False, server_default=func.now())


class ModuleResult(Base):
    """A completed module and its score."""

    __tablename__ = "module_results"
    sender_id = Column(String(64), primary_key=True)
    module_id = Column(String(16), primary_key=True)
    score = Column(Integer, nullable=False)
    total = Column(Integer, nullable=False)
    completed_at = Column(DateTime, nullable=False, server_default=func.now())


class AdminUser(Base):
    """A person who may use the admin console."""

    __tablename__ = "admin_users"
    id = Column(Integer, primary_key=True)
    username = Column(String(80), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False)  # admin | reviewer | agent
    deployment = Column(String(64), nullable=True)  # agents see only this deployment's tickets (None: all)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False, server_default=func.now())
    last_login_at = Column(DateTime, nullable=True)


class ConversationReview(Base):
    """A reviewer's marks on a conversation: reviewed or not, tags, a note."""

    __tablename__ = "conversation_reviews"
    sender_id = Column(String(255), primary_key=True)
    reviewed = Column(Boolean, nullable=False, default=False)
    tags = Column(String(500), nullable=False, default="")  # comma-separated
    note = Column(Text, nullable=True)
    updated_by = Column(String(80), nullable=True)
    updated_at = Column(DateTime, nullable=False, server_default=func.now())


class NluCorrection(Base):
    """A misunderstood message with the intent (and entities) a reviewer assigned, ready for export."""

    __tablename__ = "nlu_corrections"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    message_id = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    language = Column(String(5), nullable=False)
    intent = Column(String(64), nullable=False)  # or "out_of_scope"
    entities = Column(Text, nullable=False, default="[]")  # JSON [{"entity", "value", "start", "end"}]
    corrected_by = Column(String(80), nullable=False)
    corrected_at = Column(DateTime, nullable=False, server_default=func.now())
    exported_at = Column(DateTime, nullable=True)
    __table_args__ = (UniqueConstraint("sender_id", "message_id", name="uq_correction"),)


class ErasureRequest(Base):
    """A "forget me" (from the chat, the console or the retention job), kept until the erasure is verified.

    While pending it holds the pseudonymous ``sender_id`` so that it can be retried; once verified the id is
    cleared and only its digest stays, so that a turn saved late (after the erasure) is erased too.
    """

    __tablename__ = "erasures"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=True, index=True)  # cleared when verified
    sender_digest = Column(String(64), nullable=False, index=True)  # sha256 of the sender id
    source = Column(String(16), nullable=False)  # chat | console | retention
    status = Column(String(16), nullable=False, default="pending")  # pending | verified
    requested_at = Column(DateTime, nullable=False, server_default=func.now())
    erased_until = Column(Float, nullable=True)  # tracker time (epoch seconds) up to which events are erased
    verified_at = Column(DateTime, nullable=True, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(255), nullable=True)


class InboxMessage(Base):
    """An inbound message, stored before the provider's webhook is acknowledged (the durable inbox).

    ``status``: pending (not yet handed to Rasa) -> answered (Rasa's turn is saved; replies may still be
    going out) -> done. A worker picks up every pending or answered message again after a restart.
    """

    __tablename__ = "inbox"
    id = Column(Integer, primary_key=True)
    channel = Column(String(16), nullable=False)
    delivery_id = Column(String(64), nullable=False)  # Telegram update_id, Twilio MessageSid
    sender_id = Column(String(64), nullable=False)
    address = Column(String(64), nullable=False)  # where the replies go (erased with the user)
    text = Column(Text, nullable=False)
    language_hint = Column(String(8), nullable=True)
    meta = Column(Text, nullable=False, default="{}")  # JSON metadata for Rasa (media kind, ...)
    #: user (from the person) | agent (an adviser's reply) | resume (give the chat back to the bot) | broadcast
    kind = Column(String(16), nullable=False, default="user", server_default="user")
    status = Column(String(16), nullable=False, default="pending")
    outcome = Column(String(32), nullable=True)  # answered | apology | stopped | failed
    attempts = Column(Integer, nullable=False, default=0)
    received_at = Column(DateTime, nullable=False)
    handled_at = Column(DateTime, nullable=True)
    __table_args__ = (UniqueConstraint("channel", "delivery_id", name="uq_inbox_delivery"),
                      Index("ix_inbox_status", "status", "id"), Index("ix_inbox_sender", "sender_id", "id"))


class OutboxMessage(Base):
    """One provider call answering an inbox message (a chunk of a reply), recorded before it is made.

    ``seq`` numbers the calls of one turn, so a retried turn skips what was sent already. ``provider_id`` is
    Telegram's message_id or Twilio's message SID; ``delivery`` is Twilio's latest status callback.
    """

    __tablename__ = "outbox"
    id = Column(Integer, primary_key=True)
    inbox_id = Column(Integer, ForeignKey("inbox.id", ondelete="CASCADE"), nullable=False)
    seq = Column(Integer, nullable=False)
    sender_id = Column(String(64), nullable=False, index=True)
    call = Column(Text, nullable=False)  # JSON: what to send (the channel replays it as is)
    status = Column(String(16), nullable=False, default="pending")  # pending | sent | failed | skipped
    provider_id = Column(String(64), nullable=True, index=True)
    error = Column(String(255), nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    created_at = Column(DateTime, nullable=False)
    sent_at = Column(DateTime, nullable=True)
    delivery = Column(String(16), nullable=True)  # queued | sent | delivered | read | failed | undelivered
    delivery_at = Column(DateTime, nullable=True)
    __table_args__ = (UniqueConstraint("inbox_id", "seq", name="uq_outbox_seq"),)
