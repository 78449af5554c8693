"""Who made a change: a user, the system, a channel or a background job (SPEC 2.4)."""

from dataclasses import dataclass, field

from orders.models.events import ActorKind


@dataclass(frozen=True)
class Actor:
    user: object | None = None  # accounts.User
    kind: str = ActorKind.USER
    label: str = ""
    # Answers of has_perm, for the actor's lifetime (a request, a job run): a mass change asks the
    # same question for each of thousands of orders. The user object caches its permissions for as
    # long already (ModelBackend), so this only saves walking the backends again.
    _granted: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def system(cls, label: str = "Packline") -> "Actor":
        return cls(kind=ActorKind.SYSTEM, label=label)

    @classmethod
    def job(cls, user, job_number: int) -> "Actor":
        return cls(user=user, kind=ActorKind.JOB, label=f"Job {job_number}")

    @classmethod
    def channel(cls, name: str) -> "Actor":
        return cls(kind=ActorKind.CHANNEL, label=name)

    def has_perm(self, permission: str) -> bool:
        """System and channel actors act on the application's behalf; users and jobs need the permission."""
        if self.user is None:
            return self.kind in (ActorKind.SYSTEM, ActorKind.CHANNEL)
        if permission not in self._granted:
            self._granted[permission] = self.user.has_perm(permission)
        return self._granted[permission]

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)

    def __str__(self) -> str:
        if self.kind == ActorKind.JOB:
            return f"{self.user} ({self.label})"
        return str(self.user) if self.user is not None else self.label


def as_actor(actor) -> Actor:
    """Services accept a User or an Actor."""
    return actor if isinstance(actor, Actor) else Actor(user=actor)
