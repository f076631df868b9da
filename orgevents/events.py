"""The event payloads — and, the same models, the entries of a load file.

Each entry in a load file is one fact about one subject (a unit, a responsibility, a decision, a
document or a claim) and becomes exactly one stored event. Event names are past-tense facts in the
organisation's language. The models forbid unknown fields, so a typo is an error, not ignored.

Common to every change: ``key`` (the entry's own id, which makes loading idempotent),
``effective`` (when it takes effect, with precision), ``sources`` (at least one citation),
``decision`` (the decision it implements, where known) and ``note``.
Who recorded it and when are not part of the entry: the store adds them.
"""

from __future__ import annotations

import builtins
import hashlib
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator

from orgevents.dates import EffectiveDate
from orgevents.figures import Figure, check_finite
from orgevents.kinds import KindStyle
from orgevents.sources import Key, Name, SourceRef, Sources, Text, is_stored

Language = Annotated[str, Field(pattern=r"^[a-z]{2}$", description="An ISO 639-1 code: da, en, fr")]


class Role(StrEnum):
    AUTHORITY = "authority"  # the political authority (ressort): the committee
    ADMINISTRATIVE = "administrative"  # the formal administrative authority (myndighedsansvar)
    PERFORMER = "performer"  # the unit that does the work


class NameFormKind(StrEnum):
    OFFICIAL = "official"  # the full, formal name
    SHORT = "short"  # the name in everyday use, where the official one is long
    ABBREVIATION = "abbreviation"
    ALTERNATIVE = "alternative"  # any other name the unit is known by


class NameForm(BaseModel):
    """One more name of a unit: its form and its language (none: the store's language)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    form: NameFormKind = NameFormKind.OFFICIAL
    language: Language | None = Field(
        None, description="The name's language; omitted: the store's language."
    )


def _one_per_form(names: list[NameForm]) -> list[NameForm]:
    seen: set[tuple[str, str | None]] = set()
    for n in names:
        slot = (n.form.value, n.language)
        if slot in seen:
            lang = f" in {n.language}" if n.language else ""
            raise ValueError(f"two {n.form.value} names{lang}: give one name per form and language")
        seen.add(slot)
    return names


Names = Annotated[
    list[NameForm],
    Field(
        description="More names of the unit from this entry's date on, each with its form "
        "(official, short, abbreviation, alternative) and language: one per form and language. "
        "On UnitEstablished and UnitRenamed they replace all the unit's earlier other names "
        "(none given: it has none from then on); on NamesRecorded they replace only the names "
        "of the same form and language."
    ),
]


class DecisionKind(StrEnum):
    ANALYSIS = "analysis"
    AGREEMENT = "agreement"
    PRINCIPLE_DECISION = "principle-decision"
    APPROVAL = "approval"
    HEARING = "hearing"  # MED bodies
    PLAN = "plan"
    BUDGET = "budget"
    LEGISLATION = "legislation"
    MEETING = "meeting"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    key: Key
    note: Text | None = None

    @property
    def subject(self) -> str:  # pragma: no cover - every concrete entry overrides
        raise NotImplementedError

    def content_hash(self) -> str:
        """A digest of the entry's content; the same key with another digest is a changed entry."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


class _Change(_Entry):
    effective: EffectiveDate
    sources: Sources
    decision: Key | None = None


# --- documents ------------------------------------------------------------------------------


class DocumentRegistered(_Entry):
    """A source document that events cite by its key."""

    type: Literal["DocumentRegistered"] = "DocumentRegistered"
    document: Key
    title: Name
    location: Name  # file name or address
    language: Language = Field(
        "da",
        description="The document's language; omitted: the load file's language, else da "
        "(orgevents/1 files that declare none).",
    )
    published: EffectiveDate | None = None

    @property
    def subject(self) -> str:
        return self.document


# --- kinds of unit --------------------------------------------------------------------------


class KindDeclared(_Entry):
    """A kind of unit, with its labels per language, its level and its chart style: a new kind,
    or other labels and style for a default one. A later declaration of the same kind replaces
    an earlier one (in recorded order); a default kind keeps the level and style a declaration
    leaves out."""

    type: Literal["KindDeclared"] = "KindDeclared"
    kind: Key
    labels: Annotated[dict[Language, Name], Field(min_length=1)]
    level: Annotated[int, Field(ge=0, le=1000)] | None = Field(
        None, description="Rank in the hierarchy, smaller is higher (orders charts and lists)."
    )
    style: KindStyle | None = None
    sources: list[SourceRef] = []

    @property
    def subject(self) -> str:
        return f"kind:{self.kind}"


# --- units ----------------------------------------------------------------------------------


class UnitEstablished(_Change):
    """A unit comes into force. A unit whose latest life has ended (abolished, merged, absorbed
    or split) may be established again under the same ``unit`` id by a second
    ``UnitEstablished`` with its own ``key``, dated on or after that end: a new life with the
    name, kind, parent and abbreviation of that entry (re-established). While the unit is in
    force a second establishment is refused (rule id-unique), and one dated before the end of
    the earlier life too (rule lives-in-order)."""

    type: Literal["UnitEstablished"] = "UnitEstablished"
    unit: Key
    name: Name
    abbreviation: Name | None = None
    kind: Key = Field(
        description="A kind of the default vocabulary (README: Kinds of unit) or one declared "
        "with a KindDeclared entry."
    )
    parent: Key | None = None
    planned_end: EffectiveDate | None = None  # for temporary units
    figures: list[Figure] = []
    names: Names = []

    _names = field_validator("names")(_one_per_form)

    @property
    def subject(self) -> str:
        return self.unit


class UnitRenamed(_Change):
    """A new name; ``abbreviation`` omitted keeps the old one. The unit's other names (``names``)
    are those given here from now on (none given: none)."""

    type: Literal["UnitRenamed"] = "UnitRenamed"
    unit: Key
    name: Name
    abbreviation: Name | None = None
    names: Names = []

    _names = field_validator("names")(_one_per_form)

    @property
    def subject(self) -> str:
        return self.unit


class NamesRecorded(_Change):
    """More names of a unit from ``effective`` on — official, short, abbreviation, alternative,
    per language — without renaming it: each replaces the unit's name of the same form and
    language, the others stay (until a rename)."""

    type: Literal["NamesRecorded"] = "NamesRecorded"
    unit: Key
    names: Annotated[Names, Field(min_length=1)]

    _names = field_validator("names")(_one_per_form)

    @property
    def subject(self) -> str:
        return self.unit


class UnitMoved(_Change):
    """Re-parented: the unit now sits under ``parent``."""

    type: Literal["UnitMoved"] = "UnitMoved"
    unit: Key
    parent: Key

    @property
    def subject(self) -> str:
        return self.unit


class UnitAbolished(_Change):
    type: Literal["UnitAbolished"] = "UnitAbolished"
    unit: Key

    @property
    def subject(self) -> str:
        return self.unit


class UnitMerged(_Change):
    """The unit ends, merged with others into ``into`` (usually a unit established that day)."""

    type: Literal["UnitMerged"] = "UnitMerged"
    unit: Key
    into: Key

    @property
    def subject(self) -> str:
        return self.unit


class UnitAbsorbed(_Change):
    """The unit ends, absorbed into the existing unit ``into``."""

    type: Literal["UnitAbsorbed"] = "UnitAbsorbed"
    unit: Key
    into: Key

    @property
    def subject(self) -> str:
        return self.unit


class UnitSplit(_Change):
    """The unit is split into the units ``into``; it ends unless ``continues`` is true."""

    type: Literal["UnitSplit"] = "UnitSplit"
    unit: Key
    into: Annotated[list[Key], Field(min_length=1)]
    continues: bool = False

    @property
    def subject(self) -> str:
        return self.unit


class FiguresRecorded(_Change):
    """Figures (staff, FTE, budget, citizens) known for a unit from ``effective`` on."""

    type: Literal["FiguresRecorded"] = "FiguresRecorded"
    unit: Key
    figures: Annotated[list[Figure], Field(min_length=1)]

    @property
    def subject(self) -> str:
        return self.unit


# --- responsibilities -----------------------------------------------------------------------


class ResponsibilityDefined(_Change):
    """A task or area of authority, as an entity of its own (holders come with assignments).
    An abolished responsibility may be defined again under the same ``responsibility`` id by a
    second ``ResponsibilityDefined`` with its own ``key``, dated on or after the abolition: a new
    life, with no holders until it is assigned again (rules as for re-establishing a unit)."""

    type: Literal["ResponsibilityDefined"] = "ResponsibilityDefined"
    responsibility: Key
    name: Name
    abbreviation: Name | None = None
    scope: Text
    legal_basis: Text | None = None

    @property
    def subject(self) -> str:
        return self.responsibility


class ResponsibilityAssigned(_Change):
    type: Literal["ResponsibilityAssigned"] = "ResponsibilityAssigned"
    responsibility: Key
    unit: Key
    role: Role

    @property
    def subject(self) -> str:
        return self.responsibility


class ResponsibilityTransferred(_Change):
    """``role`` passes from every unit in ``from_units`` to ``to_unit``, with what moves along."""

    type: Literal["ResponsibilityTransferred"] = "ResponsibilityTransferred"
    responsibility: Key
    role: Role
    from_units: Annotated[list[Key], Field(min_length=1)]
    to_unit: Key
    figures: list[Figure] = []

    @property
    def subject(self) -> str:
        return self.responsibility


class ResponsibilityEnded(_Change):
    """``unit`` no longer holds ``role`` for the responsibility."""

    type: Literal["ResponsibilityEnded"] = "ResponsibilityEnded"
    responsibility: Key
    unit: Key
    role: Role

    @property
    def subject(self) -> str:
        return self.responsibility


class ResponsibilityAbolished(_Change):
    """The task itself ceases (e.g. abolished by a reform); every holder's role ends."""

    type: Literal["ResponsibilityAbolished"] = "ResponsibilityAbolished"
    responsibility: Key

    @property
    def subject(self) -> str:
        return self.responsibility


# --- decisions and claims -------------------------------------------------------------------


class DecisionMade(_Change):
    """An agreement, decision, approval or hearing; changes point to it with ``decision``.

    ``effective`` is the date of the decision itself.
    """

    type: Literal["DecisionMade"] = "DecisionMade"
    id: Key
    kind: DecisionKind
    title: Name
    body: Key | None = None  # the unit that decided, where it is in the dataset
    body_name: Name | None = None  # a body outside the dataset ("Folketinget")

    @property
    def subject(self) -> str:
        return self.id


ClaimValue = float | Text | EffectiveDate


class ClaimRecorded(_Change):
    """What one source says about one property of a subject.

    Where sources disagree, each side is its own claim with its own source; claims about the same
    ``subject`` and ``property`` with different values are a disagreement.
    """

    type: Literal["ClaimRecorded"] = "ClaimRecorded"
    about: Key  # a unit, responsibility, decision or transfer (entry) key
    property: Name
    value: ClaimValue

    @field_validator("value", mode="before")
    @classmethod
    def _finite(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, float) and not is_stored(info):
            check_finite(value)
        return value

    @builtins.property
    def subject(self) -> str:
        return self.key


class ClaimPreferred(_Change):
    """A recorded decision to prefer one claim over the competing ones (recorded on that claim)."""

    type: Literal["ClaimPreferred"] = "ClaimPreferred"
    claim: Key
    reason: Text

    @property
    def subject(self) -> str:
        return self.claim


# --- corrections: new events that name the event they correct; nothing is ever changed ------


class _Amendment(_Entry):
    """Common to corrections, retractions, confirmations and cancellations.

    ``about`` is the unit, responsibility, decision or claim the amended entry is about; ``target``
    is the key of the amended entry. The amendment is itself a new event with its own sources.
    """

    about: Key
    reason: Text
    sources: Sources

    @property
    def subject(self) -> str:
        return self.about

    @property
    def target(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


class EventRetracted(_Amendment):
    """The entry ``retracts`` was wrong and no longer counts (it stays in the history)."""

    type: Literal["EventRetracted"] = "EventRetracted"
    retracts: Key

    @builtins.property
    def target(self) -> str:
        return self.retracts


class ChangeConfirmed(_Amendment):
    """An expected or planned change was enacted, on the (usually more precise) ``effective``."""

    type: Literal["ChangeConfirmed"] = "ChangeConfirmed"
    confirms: Key
    effective: EffectiveDate

    @builtins.property
    def target(self) -> str:
        return self.confirms


class ChangeCancelled(_Amendment):
    """An expected or planned change will not happen."""

    type: Literal["ChangeCancelled"] = "ChangeCancelled"
    cancels: Key

    @builtins.property
    def target(self) -> str:
        return self.cancels


UnitEntry = (
    UnitEstablished
    | UnitRenamed
    | UnitMoved
    | UnitAbolished
    | UnitMerged
    | UnitAbsorbed
    | UnitSplit
    | FiguresRecorded
    | NamesRecorded
)
ResponsibilityEntry = (
    ResponsibilityDefined
    | ResponsibilityAssigned
    | ResponsibilityTransferred
    | ResponsibilityEnded
    | ResponsibilityAbolished
)
ChangeEntry = Annotated[
    UnitEntry | ResponsibilityEntry | DecisionMade | ClaimRecorded,
    Field(discriminator="type"),
]


class EventCorrected(_Amendment):
    """The entry ``corrects`` said something wrong; ``replacement`` is what counts from now on.

    The replacement is a whole entry of the same type about the same subject, with the same key.
    """

    type: Literal["EventCorrected"] = "EventCorrected"
    corrects: Key
    replacement: ChangeEntry

    @builtins.property
    def target(self) -> str:
        return self.corrects


Amendment = EventCorrected | EventRetracted | ChangeConfirmed | ChangeCancelled

AnyEntry = Annotated[
    DocumentRegistered
    | KindDeclared
    | UnitEntry
    | ResponsibilityEntry
    | DecisionMade
    | ClaimRecorded
    | ClaimPreferred
    | Amendment,
    Field(discriminator="type"),
]

ENTRY_TYPES: tuple[type[_Entry], ...] = (
    DocumentRegistered,
    KindDeclared,
    UnitEstablished,
    UnitRenamed,
    UnitMoved,
    UnitAbolished,
    UnitMerged,
    UnitAbsorbed,
    UnitSplit,
    FiguresRecorded,
    NamesRecorded,
    ResponsibilityDefined,
    ResponsibilityAssigned,
    ResponsibilityTransferred,
    ResponsibilityEnded,
    ResponsibilityAbolished,
    DecisionMade,
    ClaimRecorded,
    ClaimPreferred,
    EventCorrected,
    EventRetracted,
    ChangeConfirmed,
    ChangeCancelled,
)

Entry = _Entry
Change = _Change


class LoadFile(BaseModel):
    """A load file: a format marker and a list of entries, each one event."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["orgevents/1"] = Field(
        description="Format marker; always 'orgevents/1' for this version."
    )
    title: Name | None = None
    language: Language | None = Field(
        None,
        description="The language of the file's texts: the default language of its documents "
        "(none given: da, as orgevents/1 files always were).",
    )
    entries: list[AnyEntry] = Field(
        description="The entries, in any order: within one load (every file of one `load`, one "
        "HTTP write) each is recorded after the entries that make the ids it names and, for one "
        "subject, in effective-date order; otherwise in the order given (bulk-load: within each "
        "batch). Entries that need each other in a circle are refused."
    )


entry_adapter: TypeAdapter[AnyEntry] = TypeAdapter(AnyEntry)
