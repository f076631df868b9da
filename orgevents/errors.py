"""The small error hierarchy. Every error says what was wrong and which rule it broke."""

from __future__ import annotations


class OrgEventsError(Exception):
    """Base of every error orgevents raises on purpose."""


class StoreError(OrgEventsError):
    """The event store could not be opened or used."""


class NotFoundError(OrgEventsError):
    """No unit, responsibility or decision has that id."""

    def __init__(
        self, key: str, what: str = "unit or responsibility", like: list[str] | None = None
    ) -> None:
        self.key = key
        guess = f"did you mean {' or '.join(repr(k) for k in like)}? " if like else ""
        super().__init__(
            f"no {what} with id {key!r}; {guess}try `orgevents find TEXT` to look ids up by name"
        )


class WrongKindError(OrgEventsError):
    """The id names another kind of subject than the command asks about."""


class ConflictError(OrgEventsError):
    """Another writer changed the same aggregate at the same time; nothing was written."""


class DomainRuleError(OrgEventsError):
    """A change contradicts the history. ``rule`` names the rule that was broken."""

    rule = "domain-rule"

    def __init__(
        self, message: str, *, subject: str | None = None, field: str | None = None
    ) -> None:
        self.subject = subject
        self.field = field  # the entry's field at fault, where one is
        super().__init__(message)


class UnknownReferenceError(DomainRuleError):
    rule = "reference-exists"


class UnknownKindError(DomainRuleError):
    """A unit's kind is neither in the default vocabulary nor declared in the store."""

    rule = "kind-known"


class AlreadyExistsError(DomainRuleError):
    rule = "id-unique"


class NotInForceError(DomainRuleError):
    """A change to something before it exists or after it ended."""

    rule = "in-force"


class OverlappingLivesError(NotInForceError):
    """A unit or responsibility started again before its earlier life ended."""

    rule = "lives-in-order"


class NotAHolderError(DomainRuleError):
    rule = "holder-required"


class AlreadyHolderError(DomainRuleError):
    rule = "not-already-holder"


class ParentCycleError(DomainRuleError):
    rule = "no-parent-cycle"


class IntoItselfError(DomainRuleError):
    """A unit merged, absorbed or split into itself."""

    rule = "not-into-itself"


class IntoDescendantError(DomainRuleError):
    """A unit merged or absorbed into a unit under it."""

    rule = "not-into-descendant"


class OrphanedUnitsError(DomainRuleError):
    """A unit ends while units are still under it."""

    rule = "no-orphaned-units"


class EntryChangedError(DomainRuleError):
    """An entry key was loaded before with different content. Stored events are never changed."""

    rule = "entry-immutable"


class AmendmentError(DomainRuleError):
    """A correction, retraction, confirmation or cancellation that does not fit the history."""

    rule = "amendment-fits"


class StillReferencedError(AmendmentError):
    """A retraction or cancellation would leave other entries naming something that is gone."""

    rule = "still-referenced"


class InvalidEntryError(OrgEventsError):
    """One or more entries of a load are invalid. Nothing of the load was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = [p.describe() for p in problems]
        super().__init__(f"{len(problems)} problem(s); nothing was written:\n" + "\n".join(lines))


class Problem:
    """One thing wrong with one entry, located as precisely as we can."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        index: int | None = None,
        line: int | None = None,
        key: str | None = None,
        field: str | None = None,
        rule: str,
    ) -> None:
        self.message = message
        self.file = file
        self.index = index
        self.line = line
        self.key = key
        self.field = field
        self.rule = rule

    def describe(self) -> str:
        where = []
        if self.file:
            where.append(self.file + (f":{self.line}" if self.line else ""))
        if self.index is not None:
            where.append(f"entry {self.index}" + (f" ({self.key})" if self.key else ""))
        if self.field:
            where.append(f"field {self.field!r}")
        location = ", ".join(where) or "input"
        return f"{location}: {self.message} [rule: {self.rule}]"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "index": self.index,
            "line": self.line,
            "key": self.key,
            "field": self.field,
            "rule": self.rule,
            "message": self.message,
        }
