"""An in-memory :class:`~map_workspace.ports.PlanStore` for tests of the services (``app``,
``nightly``) where the backend is not the point: no workbook, no emulator, no I/O.

It keeps each plan as a :class:`Snapshot` and a version number. ``read`` hands the stored snapshot
back with ``token.version`` set; ``apply`` folds the ChangeSet in with
:func:`~map_workspace.changes.apply_in_memory` — the same function the product uses to predict a
written plan — and refuses with :class:`PlanChanged` when the plan moved since the snapshot was read,
as both real backends do. ``edit`` plays a buyer changing the plan between two syncs. Every call is
logged in ``calls`` so a test can count reads and writes. Optional capabilities follow the
``traits`` given (sharing, templates, owners), handed out by the same accessors as a real store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from map_workspace.changes import ChangeSet, apply_in_memory
from map_workspace.errors import PlanChanged, PlanExists, PlanNotFound
from map_workspace.layout import ReadToken, Snapshot
from map_workspace.ports import (
    OwnerDirectory,
    PlanRef,
    PlanStore,
    Sharer,
    StoreTraits,
    SummaryResult,
    TemplatePublisher,
)
from map_workspace.summary import SummaryDoc

#: What a fake store is like unless a test says otherwise: no optional capability, no quota.
FAKE = StoreTraits("fake")
#: A fake with every optional capability, like the Google backend.
FAKE_WITH_EVERYTHING = StoreTraits("fake", rate_limited=True, default_workers=4, shares=True,
                                   publishes_templates=True, knows_owners=True)


@dataclass
class StoredPlan:
    ref: PlanRef
    snapshot: Snapshot
    version: int = 1
    owner: str = ""
    #: Who has access, by email: "writer" or "commenter".
    shared: dict[str, str] = field(default_factory=dict)


class FakePlanStore(PlanStore):
    """Plans in a dict. ``calls`` logs ``(operation, plan id)`` for every port call."""

    def __init__(self, traits: StoreTraits = FAKE, *, owner: str = "seller@example.com") -> None:
        self.traits = traits
        self.owner = owner
        self.plans: dict[str, StoredPlan] = {}
        self.summaries: dict[str, SummaryDoc] = {}
        self.templates: dict[str, PlanRef] = {}
        self.calls: list[tuple[str, str]] = []
        #: Plan id → the error its next read raises (once): a broken or vanished file.
        self.fail_next_read: dict[str, Exception] = {}
        self._next_id = 1

    # --- the port ---------------------------------------------------------------------------------

    def create(self, snapshot: Snapshot, *, slug: str, title: str, template_id: str = "") -> PlanRef:
        self.calls.append(("create", slug))
        if any(p.ref.slug == slug for p in self.plans.values()):
            raise PlanExists(f"A plan '{slug}' already exists.", "Pick another deal name.")
        plan_id = f"fake-{self._next_id:04d}"
        self._next_id += 1
        ref = PlanRef(plan_id, f"fake://{plan_id}", slug, title)
        self.plans[plan_id] = StoredPlan(ref, replace(snapshot, source=plan_id, token=ReadToken()),
                                         owner=self.owner)
        return ref

    def locate(self, plan: str) -> PlanRef:
        self.calls.append(("locate", plan))
        for stored in self.plans.values():
            if plan in (stored.ref.id, stored.ref.slug):
                return stored.ref
        raise PlanNotFound(f"No plan '{plan}' in the fake store.", "Run 'mapws list' to see the plans.")

    def read(self, ref: PlanRef) -> Snapshot:
        self.calls.append(("read", ref.id))
        if ref.id in self.fail_next_read:
            raise self.fail_next_read.pop(ref.id)
        stored = self._stored(ref)
        return replace(stored.snapshot, token=ReadToken(str(stored.version)))

    def apply(self, ref: PlanRef, snapshot: Snapshot, changes: ChangeSet) -> str:
        self.calls.append(("apply", ref.id))
        stored = self._stored(ref)
        if snapshot.token.version != str(stored.version):
            raise PlanChanged("The plan changed since it was read; nothing was written.",
                              "The sync reads it again.", str(stored.version))
        stored.snapshot = apply_in_memory(stored.snapshot, changes)
        stored.version += 1
        return str(stored.version)

    def list_plans(self) -> list[PlanRef]:
        self.calls.append(("list", ""))
        return [replace(p.ref, version=str(p.version)) for p in self.plans.values()]

    def version(self, ref: PlanRef) -> str:
        self.calls.append(("version", ref.id))
        return str(self._stored(ref).version)

    def write_summary(self, ref: PlanRef, doc: SummaryDoc, *, pdf: bool, keep: bool = False) -> SummaryResult:
        self.calls.append(("summary", ref.id))
        self._stored(ref)
        self.summaries[ref.id] = doc
        name = f"fake-summary{'-light' if doc.light else ''}-{ref.id}"
        return SummaryResult(name, f"fake://{ref.id}/{name}", f"{name}.pdf" if pdf else None,
                             (f"{name}-{doc.as_of}",) if keep else ())

    # --- capabilities, as the traits say ------------------------------------------------------------

    def publisher(self) -> TemplatePublisher:
        return self if self.traits.publishes_templates else super().publisher()

    def sharer(self) -> Sharer:
        return self if self.traits.shares else super().sharer()

    def owners(self) -> OwnerDirectory:
        return self if self.traits.knows_owners else super().owners()

    def publish_template(self, name: str, snapshot: Snapshot) -> PlanRef:
        self.calls.append(("publish", name))
        ref = PlanRef(f"fake-template-{name}", f"fake://template/{name}", name, name)
        self.templates[name] = ref
        return ref

    def share(self, ref: PlanRef, emails: Sequence[str], *, role: str = "writer", message: str = "",
              dry_run: bool = False) -> tuple[str, ...]:
        self.calls.append(("share", ref.id))
        stored = self._stored(ref)
        added = tuple(e for e in emails if stored.shared.get(e) != role)
        if not dry_run:
            stored.shared.update((e, role) for e in added)
        return added

    def owner_of(self, ref: PlanRef) -> str:
        return self._stored(ref).owner

    # --- what tests do besides the port -------------------------------------------------------------

    def edit(self, ref: PlanRef, change: Callable[[Snapshot], Snapshot]) -> None:
        """A buyer's edit: ``change`` gets the stored snapshot and returns the new one; the version moves."""
        stored = self._stored(ref)
        stored.snapshot = change(stored.snapshot)
        stored.version += 1

    def stored(self, ref: PlanRef | str) -> Snapshot:
        """The plan as stored now (no call logged)."""
        return self._stored(ref).snapshot

    def count(self, operation: str, plan_id: str | None = None) -> int:
        """How many ``operation`` calls were made (on ``plan_id`` when given)."""
        return sum(1 for op, pid in self.calls if op == operation and (plan_id is None or pid == plan_id))

    def _stored(self, ref: PlanRef | str) -> StoredPlan:
        plan_id = ref if isinstance(ref, str) else ref.id
        try:
            return self.plans[plan_id]
        except KeyError:
            raise PlanNotFound(f"No plan '{plan_id}' in the fake store.", "It was never created here.") from None
