"""Schema mapping: which input column plays which role (date, amount, customer...)."""

from salescope.schema.roles import ROLES, ColumnInfo, Mapping, RoleMatch, detect_roles

__all__ = ["ROLES", "ColumnInfo", "Mapping", "RoleMatch", "detect_roles"]
