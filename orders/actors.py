"""Who made a change: a user, the system, a channel or a background job (SPEC 2.4)."""

from dataclasses import dataclass

from orders.models import ActorKind


@dataclass(frozen=True)
class Actor:
    user: object | None = None  # accounts.User
    kind: str = ActorKind.USER
    label: str = ""

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
        return self.user.has_perm(permission)

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
