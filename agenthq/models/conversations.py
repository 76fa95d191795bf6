"""The tables of conversations (§8): mentions and the notification inbox. Read pointers are
a column of channel_member (tables.ChannelMember.last_read_seq)."""

from peewee import BooleanField

from ..clock import now_iso
from .ids import new_id
from .fields import BaseModel, StringField


class Mention(BaseModel):
    id = StringField(primary_key=True, default=new_id)
    org_id = StringField()
    post_id = StringField(index=True)
    channel_id = StringField()
    mentioned_id = StringField()
    mentioned_type = StringField()
    kind = StringField()  # direct | channel | here
    created_at = StringField(default=now_iso)

    class Meta:
        indexes = ((("mentioned_id", "channel_id"), False), (("post_id", "mentioned_id"), True))

    FIELDS = ("id", "org_id", "post_id", "channel_id", "mentioned_id", "mentioned_type", "kind", "created_at")

    def to_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}


class Notification(BaseModel):
    id = StringField(primary_key=True, default=new_id)
    org_id = StringField()
    recipient_id = StringField()
    recipient_type = StringField()
    type = StringField()
    source_id = StringField(null=True)
    source_type = StringField(null=True)
    actor_id = StringField(null=True)
    actor_type = StringField(null=True)
    channel_id = StringField(null=True)
    post_id = StringField(null=True, index=True)
    title = StringField()
    body = StringField(null=True)
    read = BooleanField(default=False)
    created_at = StringField(default=now_iso)

    class Meta:
        indexes = ((("recipient_id", "read", "id"), False),)

    FIELDS = ("id", "org_id", "recipient_id", "recipient_type", "type", "source_id", "source_type", "actor_id",
              "actor_type", "channel_id", "post_id", "title", "body", "read", "created_at")

    def to_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}


CONVERSATION_MODELS = (Mention, Notification)
