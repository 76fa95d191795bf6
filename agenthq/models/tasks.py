"""The task table (§12): work items that agents claim with leases."""

from peewee import IntegerField, TextField

from ..clock import now_iso
from .fields import BaseModel, JSONField, StringField
from .ids import new_id


class Task(BaseModel):
    """A unit of work (SPEC §12): the original's fields plus the claim's lease. Times are ISO
    strings of one fixed width, so comparing them as text compares the moments."""

    id = StringField(primary_key=True, default=new_id)
    org_id = StringField()
    channel_id = StringField(null=True)
    title = StringField()
    description = TextField(null=True)
    status = StringField(default="open")
    priority = StringField(default="medium")
    assigned_to = StringField(null=True)
    assigned_type = StringField(null=True)
    created_by = StringField()
    created_by_type = StringField()
    due_date = StringField(null=True)
    completed_at = StringField(null=True)
    metadata = JSONField(default=dict)
    claimed_at = StringField(null=True)
    lease_expires_at = StringField(null=True)
    claim_count = IntegerField(default=0)
    # Who held the lease the sweep ended, until the next claim: their late renew answers
    # LEASE_EXPIRED rather than NOT_CLAIMED. Not part of the API's task.
    expired_holder = StringField(null=True)
    created_at = StringField(default=now_iso)
    updated_at = StringField(default=now_iso)

    class Meta:
        # lease_expires_at: the sweep's scan; (org_id, status): the board and POST /tasks/claim.
        indexes = ((("org_id", "status"), False), (("lease_expires_at",), False))

    FIELDS = (
        "id", "org_id", "channel_id", "title", "description", "status", "priority", "assigned_to",
        "assigned_type", "created_by", "created_by_type", "due_date", "completed_at", "metadata",
        "created_at", "updated_at", "claimed_at", "lease_expires_at", "claim_count",
    )

    def to_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}
