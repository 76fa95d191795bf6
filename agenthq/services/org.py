"""The caller's organization."""

from ..clock import now_iso
from ..models import Organization
from . import activity
from .common import require_admin


def get(identity):
    return Organization.get_by_id(identity.org_id).to_dict()


def patch(identity, data):
    require_admin(identity)
    org = Organization.get_by_id(identity.org_id)
    if "name" in data:
        org.name = data["name"]
    if "settings" in data:
        org.settings = data["settings"]
    org.updated_at = now_iso()
    org.save()
    activity.record(identity, "org.updated", "organization", org.id, {"fields": sorted(data)})
    return org.to_dict(), []
